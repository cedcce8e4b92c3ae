import { randomUUID } from 'node:crypto';
import { deadLetterValue, TOPICS, type DeadLetter } from '@lungflow/contracts';
import { testKafka } from '../helpers/kafka';

/**
 * Issue 16, hostile input on Kafka: malformed messages written around the contracts (as a buggy or foreign producer
 * would) on every topic a running service consumes, against the real stack (`npm run stack:up`). Each one must end
 * in the dead-letter topic once, with a reason and the bytes as sent; the services stay healthy; a malformed dead
 * letter is wrapped once, not in a loop.
 */
jest.setTimeout(180_000);

const kafka = testKafka('lungflow-malformed-test');
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SERVICES = { infer: port('INFER_HTTP_PORT', 8082), report: port('REPORT_HTTP_PORT', 8083) };

/** What a consumer must survive: not JSON, not UTF-8, JSON of the wrong shape, a wrong key, markup, no key, ~900 KB. */
function hostileMessages(marker: string): Array<{ what: string; key: string | null; value: Buffer }> {
  const study = `1.2.826.0.1.3680043.10.${Date.now() % 1e9}.${Math.floor(Math.random() * 1e6)}`;
  const key = JSON.stringify({ studyInstanceUid: study });
  return [
    { what: 'not JSON', key, value: Buffer.from(`{{{ not json ${marker}`) },
    { what: 'not UTF-8', key, value: Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]), Buffer.from(marker)]) },
    { what: 'wrong shape', key, value: Buffer.from(JSON.stringify({ schemaVersion: 1, studyInstanceUid: study, marker })) },
    { what: 'future version', key, value: Buffer.from(JSON.stringify({ schemaVersion: 99, studyInstanceUid: study, marker })) },
    { what: 'wrong key', key: '{"nope": true}', value: Buffer.from(JSON.stringify({ marker })) },
    { what: 'markup', key, value: Buffer.from(JSON.stringify({ studyInstanceUid: `<script>alert("${marker}")</script>` })) },
    { what: 'no key', key: null, value: Buffer.from(JSON.stringify({ marker })) },
    { what: 'large', key, value: Buffer.from(JSON.stringify({ marker, padding: 'x'.repeat(900_000) })) },
  ];
}

const originalValue = (letter: DeadLetter) => (letter.original.encoding === 'base64' ? Buffer.from(letter.original.value ?? '', 'base64').toString('latin1') : (letter.original.value ?? ''));

/**
 * The dead letters whose original carries `marker`, read raw from the dead-letter topic (our own malformed envelope
 * is on it too, so nothing here may throw on a message): once `expected` have come and 10 s passed with no more, or
 * after 120 s.
 */
async function deadLettersWith(marker: string, expected: number): Promise<DeadLetter[]> {
  const consumer = kafka.consumer({ groupId: `test-malformed-${randomUUID()}` });
  const found: DeadLetter[] = [];
  let lastFound = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.deadLetter.name, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      let parsed: ReturnType<typeof deadLetterValue.safeParse>;
      try {
        parsed = deadLetterValue.safeParse(JSON.parse(message.value?.toString('utf8') ?? 'null'));
      } catch {
        return;
      }
      if (!parsed.success) return;
      const letter = parsed.data;
      if (originalValue(letter).includes(marker) || (letter.original.key ?? '').includes(marker)) {
        found.push(letter);
        lastFound = Date.now();
      }
    },
  });
  const deadline = Date.now() + 120_000;
  try {
    while (Date.now() < deadline && !(found.length >= expected && Date.now() - lastFound > 10_000)) await new Promise((resolve) => setTimeout(resolve, 250));
  } finally {
    await consumer.disconnect();
  }
  return found;
}

async function healthy(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, p] of Object.entries(SERVICES)) out[name] = await fetch(`http://127.0.0.1:${p}/healthz`).then((r) => r.status, () => 0);
  return out;
}

describe('malformed messages on every consumed topic, on the running stack', () => {
  beforeAll(async () => {
    const up = await healthy();
    if (Object.values(up).some((status) => status !== 200)) throw new Error(`the stack's services are not up (${JSON.stringify(up)}): run \`npm run stack:up\` first`);
  });

  it('dead-letters each one once with its reason and bytes, and every service stays healthy', async () => {
    const consumed = [
      { topic: TOPICS.studyReceived.name, service: 'infer' },
      { topic: TOPICS.inferenceCompleted.name, service: 'report' },
    ];
    const marker = `malformed-${randomUUID()}`;
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const sent: Array<{ topic: string; what: string }> = [];
    try {
      for (const { topic } of consumed) {
        const messages = hostileMessages(marker);
        await producer.send({ topic, messages: messages.map((m) => ({ key: m.key, value: m.value })) });
        sent.push(...messages.map((m) => ({ topic, what: m.what })));
      }
      // A malformed dead letter: report's "not analysed" reader must skip it, not feed it back to the topic.
      await producer.send({ topic: TOPICS.deadLetter.name, messages: [{ key: null, value: `not an envelope ${marker}` }] });
    } finally {
      await producer.disconnect();
    }

    const letters = await deadLettersWith(marker, consumed.length * hostileMessages(marker).length);
    const ours = letters.filter((letter) => consumed.some((c) => c.topic === letter.original.topic));
    const summary = consumed.map(({ topic, service }) => {
      const here = ours.filter((l) => l.original.topic === topic);
      return `${topic}: ${here.length} dead-lettered by ${[...new Set(here.map((l) => l.service))].join(',')} (${[...new Set(here.map((l) => l.errorCode))].join(', ')}); expected ${service}`;
    });
    console.error(`malformed messages: ${sent.length} sent\n  ${summary.join('\n  ')}`);

    // The markup message names a study by a string that is not a UID: still dead-lettered (its marker is in the value).
    for (const { topic, service } of consumed) {
      const here = ours.filter((l) => l.original.topic === topic);
      expect(here).toHaveLength(hostileMessages(marker).length); // each once: none lost, none twice
      for (const letter of here) {
        expect(letter.service).toContain(service);
        expect(letter.errorCode).toMatch(/^[A-Z_]+$/);
        expect(letter.reason.length).toBeGreaterThan(10);
      }
    }
    // The malformed dead letter is wrapped once in a valid envelope (its bytes and why kept for an operator), and that
    // envelope is not wrapped again: no loop on the dead-letter topic.
    const wrapped = letters.filter((l) => l.original.topic === TOPICS.deadLetter.name);
    expect(wrapped).toHaveLength(1);
    expect(wrapped[0]).toMatchObject({ errorCode: 'CONTRACT_INVALID', original: { value: `not an envelope ${marker}` } });
    expect(await healthy()).toEqual({ infer: 200, report: 200 });
  });
});
