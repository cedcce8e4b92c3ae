import { connect } from 'node:net';
import Fastify from 'fastify';
import { buildMultipart } from '@lungflow/dicomweb';
import type { StowResult } from '@lungflow/dicomweb';
import { LungFlowError } from '@lungflow/errors';
import { Metrics } from '@lungflow/http';
import { createIngestMetrics } from '../metrics';
import { stowRoute } from './stowRoute';

const STUDY = '1.2.826.0.1.3680043.8.498.7';

async function build(store: (instances: readonly Uint8Array[]) => Promise<StowResult>, touch: (uid: string) => Promise<void>, bearerToken?: string, maxBytes = 1_000_000) {
  const app = Fastify();
  await app.register(stowRoute, { pacs: { storeInstances: store }, tracker: { touch }, metrics: createIngestMetrics(new Metrics('t', { defaultMetrics: false })), maxBytes, bearerToken });
  return app;
}

/** A minimal Part-10 file: preamble, DICM, a File Meta group naming these UIDs, and a few data set bytes. */
function part10(sopInstanceUid: string, transferSyntaxUid = '1.2.840.10008.1.2.1', extra: number[] = []): Uint8Array {
  const element = (element: number, vr: string, value: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt16LE(2, 0);
    head.writeUInt16LE(element, 2);
    head.write(vr, 4, 'latin1');
    head.writeUInt16LE(value.length, 6);
    return Buffer.concat([head, value]);
  };
  const uid = (text: string) => Buffer.from(text.length % 2 ? `${text}\0` : text, 'latin1');
  const group = Buffer.concat([element(2, 'UI', uid('1.2.840.10008.5.1.4.1.1.1')), element(3, 'UI', uid(sopInstanceUid)), element(0x10, 'UI', uid(transferSyntaxUid))]);
  const length = Buffer.from([2, 0, 0, 0, 0x55, 0x4c, 4, 0, 0, 0, 0, 0]);
  length.writeUInt32LE(group.length, 8);
  return new Uint8Array(Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), length, group, Buffer.from([0x08, 0, 0x60, 0, 0x43, 0x53, 2, 0, 0x43, 0x52, ...extra])]));
}

const items = (json: Record<string, { Value?: Array<Record<string, { Value?: unknown[] }>> }>, tag: string) => json[tag]?.Value ?? [];

function request(parts = [part10('1.2.3')]) {
  const message = buildMultipart(parts.map((body) => ({ body, contentType: 'application/dicom' })), { type: 'application/dicom' });
  return { method: 'POST' as const, url: '/dicom-web/studies', headers: { 'content-type': message.contentType }, payload: Buffer.from(message.body) };
}

const stored: StowResult = { retrieveUrl: `http://pacs/dicom-web/studies/${STUDY}`, stored: [{ sopClassUid: '1.2.840.10008.5.1.4.1.1.1', sopInstanceUid: '1.2.3', retrieveUrl: `http://pacs/dicom-web/studies/${STUDY}/series/1.2/instances/1.2.3` }], failed: [] };

describe('STOW-RS push route', () => {
  it('forwards the instances to the PACS of record, then records the study, then answers 200', async () => {
    const order: string[] = [];
    let forwarded: readonly Uint8Array[] = [];
    const app = await build(async (instances) => {
      order.push('pacs');
      forwarded = instances;
      return stored;
    }, async (uid) => void order.push(`touch ${uid}`));
    const parts = [part10('1.2.3'), part10('1.2.4')];
    const response = await app.inject(request(parts));
    expect(response.statusCode).toBe(200);
    expect(order).toEqual(['pacs', `touch ${STUDY}`]);
    expect(forwarded.map((b) => Buffer.from(b).toString('hex'))).toEqual(parts.map((b) => Buffer.from(b).toString('hex')));
    expect(response.json()['00081199'].Value[0]['00081155'].Value).toEqual(['1.2.3']);
  });

  it('answers 503 (retry later) and records nothing when the PACS is unreachable', async () => {
    const touch = jest.fn();
    const app = await build(async () => {
      throw new LungFlowError('DICOMWEB_UNREACHABLE', 'connect ECONNREFUSED');
    }, touch);
    const response = await app.inject(request());
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('10');
    expect(touch).not.toHaveBeenCalled();
  });

  it('answers 409 when the PACS refuses the objects, and 503 when the study cannot be recorded', async () => {
    const refused = await build(async () => {
      throw new LungFlowError('DICOMWEB_STORE_FAILED', 'refused');
    }, jest.fn());
    expect((await refused.inject(request())).statusCode).toBe(409);
    const noRedis = await build(async () => stored, async () => {
      throw new Error('Redis down');
    });
    expect((await noRedis.inject(request())).statusCode).toBe(503);
  });

  it('rejects what is not multipart/related Part-10, and checks the bearer token when one is set', async () => {
    const app = await build(async () => stored, jest.fn(), 'secret');
    const json = buildMultipart([{ body: part10('1.2.3'), contentType: 'application/dicom+json' }], { type: 'application/dicom+json' });
    const auth = { authorization: 'Bearer secret' };
    const push = request();
    expect((await app.inject({ ...push, headers: { ...auth, 'content-type': json.contentType }, payload: Buffer.from(json.body) })).statusCode).toBe(415);
    expect((await app.inject(push)).statusCode).toBe(401);
    expect((await app.inject({ ...push, headers: { ...push.headers, ...auth } })).statusCode).toBe(200);
  });

  it('answers an unauthenticated push from its headers, before reading the body it announced', async () => {
    const store = jest.fn();
    const app = await build(store, jest.fn(), 'secret', 64 * 1024 * 1024);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    try {
      // 60 MB announced, 64 KB sent, then the client waits: only a check made before the body is read can answer
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(['POST /dicom-web/studies HTTP/1.1', 'host: 127.0.0.1', 'content-type: multipart/related; type="application/dicom"; boundary=b',
            `content-length: ${60 * 1024 * 1024}`, '', ''].join('\r\n'));
          socket.write(Buffer.alloc(64 * 1024, 0x41));
        });
        let received = '';
        socket.on('data', (chunk) => {
          received += chunk.toString('latin1');
          if (received.includes('\r\n\r\n')) {
            socket.destroy();
            resolve(received);
          }
        });
        socket.on('error', reject);
        setTimeout(() => {
          socket.destroy();
          reject(new Error('no answer within 5 s: the body is being read before the token is checked'));
        }, 5000);
      });
      expect(answer.startsWith('HTTP/1.1 401')).toBe(true);
      expect(store).not.toHaveBeenCalled();
    } finally {
      await app.close();
    }
  });

  describe('one answer per instance (issue 16, hostile input)', () => {
    it('refuses parts that are not Part-10 files with valid UIDs, by part number and with a reason, and forwards the rest', async () => {
      let forwarded = 0;
      const touch = jest.fn(async () => undefined);
      const app = await build(async (instances) => {
        forwarded = instances.length;
        return stored;
      }, touch);
      const parts = [new Uint8Array(0), new Uint8Array([1, 2, 3]), part10('1.2.3'), part10('1.2.abc'), part10('1.2.5', '<script>'), Buffer.concat([Buffer.alloc(128), Buffer.from('DICM')])];
      const response = await app.inject(request(parts.map((p) => new Uint8Array(p))));
      expect(response.statusCode).toBe(202); // some stored, some refused (PS3.18 §10.5.3)
      expect(forwarded).toBe(1);
      expect(touch).toHaveBeenCalledWith(STUDY, 'stow');
      const failed = items(response.json(), '00081198');
      expect(failed.map((f) => String(f['00000902']?.Value?.[0]).split(':')[0])).toEqual(['part 1', 'part 2', 'part 4', 'part 5', 'part 6']);
      expect(failed.every((f) => f['00081197']?.Value?.[0] === 0xc000)).toBe(true);
      expect(String(failed[2]!['00000902']!.Value![0])).toContain('SOP Instance UID is not a DICOM UID');
      expect(failed[2]!['00081155']).toBeUndefined(); // a broken UID is not echoed as a UI value
      expect(String(failed[3]!['00000902']!.Value![0])).toContain('Transfer Syntax UID is not a DICOM UID');
      expect(failed[3]!['00081155']!.Value).toEqual(['1.2.5']);
    });

    it('answers 409 with every reason and forwards nothing when no part is acceptable', async () => {
      const store = jest.fn();
      const app = await build(store, jest.fn());
      const response = await app.inject(request([new Uint8Array([9, 9, 9])]));
      expect(response.statusCode).toBe(409);
      expect(store).not.toHaveBeenCalled();
      expect(String(items(response.json(), '00081198')[0]!['00000902']!.Value![0])).toMatch(/^part 1: not a DICOM Part-10 file/);
    });

    it('when the PACS refuses a request of several, sends them one by one and answers for each', async () => {
      const calls: number[] = [];
      const app = await build(async (instances) => {
        calls.push(instances.length);
        if (instances.length > 1) throw new LungFlowError('DICOMWEB_HTTP_4XX', 'POST /studies answered 400');
        const sop = Buffer.from(instances[0]!).includes(Buffer.from('1.2.66')) ? '1.2.66' : '1.2.3';
        if (sop === '1.2.66') throw new LungFlowError('DICOMWEB_STORE_FAILED', 'POST /studies: PACS refused 1 of 1 instance(s): 1.2.66 (0xC000 cannot understand)', { details: { failed: [{ sopInstanceUid: sop, failureReason: 0xc000 }] } });
        return { stored: [{ sopInstanceUid: sop, retrieveUrl: `http://pacs/dicom-web/studies/${STUDY}/series/1.2/instances/${sop}` }], failed: [] };
      }, jest.fn(async () => undefined));
      const response = await app.inject(request([part10('1.2.3'), part10('1.2.66')]));
      expect(calls.sort()).toEqual([1, 1, 2]);
      expect(response.statusCode).toBe(202);
      expect(items(response.json(), '00081199').map((i) => i['00081155']?.Value?.[0])).toEqual(['1.2.3']);
      const [refusal] = items(response.json(), '00081198');
      expect(refusal!['00081155']!.Value).toEqual(['1.2.66']);
      expect(refusal!['00081197']!.Value).toEqual([0xc000]);
      expect(String(refusal!['00000902']!.Value![0])).toContain('part 2: the PACS of record refused it (DICOMWEB_STORE_FAILED)');
    });
  });
});
