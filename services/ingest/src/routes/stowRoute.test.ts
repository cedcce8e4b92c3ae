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

function request(parts = [new Uint8Array([1, 2, 3])]) {
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
    const response = await app.inject(request([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])]));
    expect(response.statusCode).toBe(200);
    expect(order).toEqual(['pacs', `touch ${STUDY}`]);
    expect(forwarded.map((b) => [...b])).toEqual([[1, 2, 3], [4, 5]]);
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
    const json = buildMultipart([{ body: new Uint8Array([1]), contentType: 'application/dicom+json' }], { type: 'application/dicom+json' });
    const auth = { authorization: 'Bearer secret' };
    const part10 = request();
    expect((await app.inject({ ...part10, headers: { ...auth, 'content-type': json.contentType }, payload: Buffer.from(json.body) })).statusCode).toBe(415);
    expect((await app.inject(part10)).statusCode).toBe(401);
    expect((await app.inject({ ...part10, headers: { ...part10.headers, ...auth } })).statusCode).toBe(200);
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
});
