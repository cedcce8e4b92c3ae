import { readFileSync } from 'node:fs';

/**
 * The local addresses on which something LISTENs on `port`, read from /proc/net/tcp and tcp6 (what `ss -ltn`
 * prints), e.g. ['127.0.0.1'] or ['0.0.0.0']. Linux only, like the local stack.
 */
export function listeningAddresses(port: number): string[] {
  const LISTEN = '0A';
  const found = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4 || fields[3] !== LISTEN) continue;
      const [addressHex, portHex] = fields[1]!.split(':') as [string, string];
      if (parseInt(portHex, 16) !== port) continue;
      found.add(addressHex.length === 8 ? ipv4(addressHex) : ipv6(addressHex));
    }
  }
  return [...found].sort();
}

/** /proc prints an IPv4 address as one little-endian 32-bit word. */
function ipv4(hex: string): string {
  return [6, 4, 2, 0].map((at) => parseInt(hex.slice(at, at + 2), 16)).join('.');
}

/** IPv6 as four little-endian words; only the two addresses that matter here are named, others stay hex. */
function ipv6(hex: string): string {
  if (/^0+$/.test(hex)) return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  return hex.toLowerCase();
}
