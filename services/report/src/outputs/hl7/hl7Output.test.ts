import net from 'node:net';
import { createLogger } from '@lungflow/logging';
import { OutputError } from '../OutputError';
import { storedResult } from '../testFixtures';
import { handleHl7Output } from './hl7Output';
import { frame, parseAck, sendMllp } from './mllpClient';
import { messageControlId } from './oruMessage';

const logger = createLogger({ service: 'test', level: 'silent' });
const pacs = { searchStudies: async () => [{ '00080050': { vr: 'SH', Value: ['ACC1'] } }] };
const context = { topic: 't', partition: 0, offset: '0', headers: {}, attempt: 1 };

function harness(answer: (controlId: string) => string) {
  const done = new Map<string, string>();
  const sent: string[] = [];
  const handler = handleHl7Output({
    pacs,
    send: async (_endpoint, er7) => {
      sent.push(er7);
      return answer(er7.split('\r')[0]?.split('|')[9] ?? '');
    },
    endpoint: { host: '127.0.0.1', port: 1, timeoutMs: 1000 },
    parties: { sendingApplication: 'LF', sendingFacility: 'LF', receivingApplication: 'RIS', receivingFacility: 'H' },
    sent: { isDone: async (key) => done.has(key), markDone: async (key) => void done.set(key, 'done') },
    sentTtlMs: 1000,
    logger,
  });
  return { handler, sent, done };
}

const ack = (code: string, id: string, text = '') => `MSH|^~\\&|RIS|H|LF|LF|20261202||ACK^R01^ACK|9|P|2.5.1\rMSA|${code}|${id}|${text}`;

describe('handleHl7Output (ACK handling, HL7 v2.5.1 2.9.2 original mode)', () => {
  it('AA: marks the result sent, and a redelivery sends nothing', async () => {
    const h = harness((id) => ack('AA', id));
    await h.handler({ key: { studyInstanceUid: '1.2.3' }, value: storedResult() }, context);
    await h.handler({ key: { studyInstanceUid: '1.2.3' }, value: storedResult() }, context);
    expect(h.sent).toHaveLength(1);
    expect([...h.done.keys()]).toEqual([`hl7:sent:${messageControlId(storedResult())}`]);
  });

  it('AE: not retriable, with the RIS text; nothing marked', async () => {
    const h = harness((id) => `${ack('AE', id, 'no order')}\rERR|||101^Required field missing^HL70357`);
    const error = await h.handler({ key: { studyInstanceUid: '1.2.3' }, value: storedResult() }, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).code).toBe('HL7_ACK_AE');
    expect((error as OutputError).retriable).toBe(false);
    expect((error as OutputError).message).toContain('no order');
    expect(h.done.size).toBe(0);
  });

  it('AR and an ACK for another message: retriable', async () => {
    const ar = await harness((id) => ack('AR', id)).handler({ key: { studyInstanceUid: '1.2.3' }, value: storedResult() }, context).catch((e: unknown) => e);
    expect([(ar as OutputError).code, (ar as OutputError).retriable]).toEqual(['HL7_ACK_AR', true]);
    const other = await harness(() => ack('AA', 'SOMETHING-ELSE')).handler({ key: { studyInstanceUid: '1.2.3' }, value: storedResult() }, context).catch((e: unknown) => e);
    expect([(other as OutputError).code, (other as OutputError).retriable]).toEqual(['HL7_ACK_INVALID', true]);
  });

  it('parseAck refuses an answer without MSA', () => {
    expect(() => parseAck('MSH|^~\\&|X')).toThrow(/MSA/);
  });
});

describe('sendMllp (MLLP release 2 framing)', () => {
  let server: net.Server;
  let port: number;
  let behaviour: (socket: net.Socket, data: Buffer) => void;
  beforeAll(async () => {
    server = net.createServer((socket) => socket.on('data', (data) => behaviour(socket, data)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('frames <VT>…<FS><CR> and reads an ACK split over two packets', async () => {
    let seen: Buffer | undefined;
    behaviour = (socket, data) => {
      seen = data;
      const reply = frame('MSA|AA|X');
      socket.write(reply.subarray(0, 4));
      setTimeout(() => socket.write(reply.subarray(4)), 20);
    };
    await expect(sendMllp({ host: '127.0.0.1', port, timeoutMs: 2000 }, 'MSH|x')).resolves.toBe('MSA|AA|X');
    expect(seen).toEqual(Buffer.from([0x0b, ...Buffer.from('MSH|x'), 0x1c, 0x0d]));
  });

  it('a peer that closes without an ACK, or never answers, is MLLP_UNAVAILABLE (retriable)', async () => {
    behaviour = (socket) => socket.end();
    const closed = await sendMllp({ host: '127.0.0.1', port, timeoutMs: 2000 }, 'MSH|x').catch((e: unknown) => e);
    expect([(closed as OutputError).code, (closed as OutputError).retriable]).toEqual(['MLLP_UNAVAILABLE', true]);
    behaviour = () => undefined;
    const silent = await sendMllp({ host: '127.0.0.1', port, timeoutMs: 200 }, 'MSH|x').catch((e: unknown) => e);
    expect((silent as OutputError).message).toMatch(/no ACK .* within 200 ms/);
  });
});
