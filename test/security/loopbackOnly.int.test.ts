import { readFileSync } from 'node:fs';

/**
 * Issue 16, item 10: the local stack (`npm run stack:up`) is a trial on someone's workstation: none of its servers
 * may answer the network, only this machine. Read from the kernel's socket tables (/proc/net/tcp{,6}), so a server
 * that ignores its bind setting (Orthanc once listened on 0.0.0.0 despite `HttpBindAddress`) is caught.
 */
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const STACK_PORTS: Record<string, number> = {
  orthanc: port('ORTHANC_HTTP_PORT', 8042),
  'orthanc DICOM': port('ORTHANC_DICOM_PORT', 4242),
  kafka: port('KAFKA_PORT', 9092),
  redis: port('REDIS_PORT', 6379),
  ingest: port('INGEST_HTTP_PORT', 8081),
  infer: port('INFER_HTTP_PORT', 8082),
  report: port('REPORT_HTTP_PORT', 8083),
};

const LISTEN = '0A';

/** Local addresses of the listening TCP sockets, by port: IPv4 and IPv6, in the kernel's hex notation decoded. */
function listeners(): Map<number, string[]> {
  const found = new Map<number, string[]>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== LISTEN || !local) continue;
      const [hexAddress, hexPort] = local.split(':');
      found.set(parseInt(hexPort!, 16), [...(found.get(parseInt(hexPort!, 16)) ?? []), decode(hexAddress!)]);
    }
  }
  return found;
}

function decode(hex: string): string {
  // the kernel prints each 32-bit word in host (little-endian) order
  const bytes = hex.match(/.{8}/g)!.flatMap((word) => word.match(/../g)!.reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`;
  if (bytes.slice(0, 15).every((b) => b === 0)) return bytes[15] === 1 ? '::1' : '::';
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
}

const isLoopback = (address: string) => address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');

describe('the local stack listens on loopback only', () => {
  const sockets = listeners();
  it.each(Object.entries(STACK_PORTS))('%s', (_name, stackPort) => {
    const addresses = sockets.get(stackPort) ?? [];
    expect(addresses.length).toBeGreaterThan(0); // the stack is up: the server listens
    expect(addresses.filter((a) => !isLoopback(a))).toEqual([]);
  });
});
