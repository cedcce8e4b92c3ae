import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { DeadLetter } from '@lungflow/contracts';
import { DeadLetterTopic } from '@lungflow/kafka';
import { createTestTopic, KAFKA_BROKERS, testKafka } from '../../../test/helpers/kafka';
import { run } from '../main';

// `lungflow deadletter` against the real local Kafka (npm run stack:up): a private dead-letter topic and a private
// "original" topic, so the test never touches the stack's own lungflow.deadletter.v1.
const kafka = testKafka('lungflow-deadletter-test');

async function lungflow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks: string[] = [];
  const errors: string[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c.toString()));
  stderr.on('data', (c: Buffer) => errors.push(c.toString()));
  const code = await run(['node', 'lungflow', ...args], { stdout, stderr });
  return { code, stdout: chunks.join(''), stderr: errors.join('') };
}

function envelope(originalTopic: string, offset: number, studyInstanceUid: string, errorCode: string, reason: string): DeadLetter {
  return {
    schemaVersion: 1,
    original: {
      topic: originalTopic,
      partition: 0,
      offset: String(offset),
      encoding: 'utf8',
      key: JSON.stringify({ studyInstanceUid }),
      value: JSON.stringify({ studyInstanceUid, attempt: offset }),
      headers: { 'lungflow-trace': `trace-${offset}` },
    },
    errorCode,
    reason,
    service: errorCode === 'DICOM_MALFORMED' ? 'infer' : 'report',
    attempts: 1,
    firstFailureAt: new Date().toISOString(),
    lastFailureAt: new Date().toISOString(),
  };
}

describe('lungflow deadletter on the real Kafka', () => {
  let deadLetterTopic: string;
  let originalTopic: string;
  const studies = ['1.2.826.0.1.3680043.8.498.' + Date.now() + '.1', '1.2.826.0.1.3680043.8.498.' + Date.now() + '.2'];

  beforeAll(async () => {
    deadLetterTopic = await createTestTopic(kafka, `test.deadletter.${randomUUID()}`, 1);
    originalTopic = await createTestTopic(kafka, `test.original.${randomUUID()}`, 1);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: deadLetterTopic,
      messages: [
        envelope(originalTopic, 10, studies[0]!, 'DICOM_MALFORMED', 'instance 1.2.3 of study is truncated at byte 132'),
        envelope(originalTopic, 11, studies[1]!, 'PACS_UNAVAILABLE', 'STOW-RS of the SR answered 503 twelve times'),
        envelope(originalTopic, 12, studies[1]!, 'DICOM_MALFORMED', 'instance 1.2.4 has Rows 0'),
      ].map((value) => ({ key: null, value: JSON.stringify(value) })).concat([{ key: null, value: 'not an envelope' }]),
    });
    await producer.disconnect();
  }, 60_000);

  it('lists by reason (error code or text), study and service; an unreadable record is listed as such', async () => {
    const base = ['deadletter', 'list', '--brokers', KAFKA_BROKERS.join(','), '--topic', deadLetterTopic];
    const all = await lungflow(...base);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('4 dead letter(s)');
    expect(all.stdout).toMatch(/^0:3 .*INVALID_ENVELOPE/m);
    const malformed = await lungflow(...base, '--reason', 'DICOM_MALFORMED');
    expect(malformed.stdout.match(/DICOM_MALFORMED/g)).toHaveLength(2);
    expect((await lungflow(...base, '--reason', 'twelve times')).stdout).toContain('1 dead letter(s)');
    const byStudy = await lungflow(...base, '--study', studies[1]!, '--json');
    expect(byStudy.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { offset: string }).offset)).toEqual(['1', '2']);
    expect((await lungflow(...base, '--service', 'report')).stdout).toContain('1 dead letter(s)');
    expect((await lungflow(...base, '--since', '1h', '--until', '2000-01-01T00:00:00Z')).stdout).toContain('0 dead letter(s)');
  }, 120_000);

  it('shows one dead letter with its original message, and says so when the position is empty', async () => {
    const shown = await lungflow('deadletter', 'show', '0:1', '--brokers', KAFKA_BROKERS.join(','), '--topic', deadLetterTopic);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('PACS_UNAVAILABLE');
    expect(shown.stdout).toContain(`${originalTopic} partition 0 offset 11`);
    expect(shown.stdout).toContain(studies[1]);
    const missing = await lungflow('deadletter', 'show', '99', '--brokers', KAFKA_BROKERS.join(','), '--topic', deadLetterTopic);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no dead letter at 0:99');
  }, 120_000);

  it('replays the selected originals byte for byte with a header naming the dead letter, and refuses an empty selection', async () => {
    const base = ['deadletter', 'replay', '--brokers', KAFKA_BROKERS.join(','), '--topic', deadLetterTopic];
    expect((await lungflow(...base)).code).toBe(2);
    const dry = await lungflow(...base, '--reason', 'PACS_UNAVAILABLE', '--dry-run');
    expect(dry.stdout).toContain('1 dead letter(s) selected, none sent (dry run)');
    const replayed = await lungflow(...base, '--reason', 'PACS_UNAVAILABLE');
    expect(replayed.stdout).toContain('1 message(s) replayed');

    const consumer = kafka.consumer({ groupId: `test-replay-${randomUUID()}` });
    const received: Array<{ key: string; value: string; headers: Record<string, string> }> = [];
    await consumer.connect();
    await consumer.subscribe({ topic: originalTopic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        received.push({ key: String(message.key), value: String(message.value), headers });
      },
    });
    const deadline = Date.now() + 30_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1_500));
    await consumer.disconnect();
    expect(received).toEqual([
      {
        key: JSON.stringify({ studyInstanceUid: studies[1] }),
        value: JSON.stringify({ studyInstanceUid: studies[1], attempt: 11 }),
        headers: { 'lungflow-trace': 'trace-11', 'lungflow-replayed-from': `${deadLetterTopic}/0/1` },
      },
    ]);
  }, 120_000);

  it('counts pending dead letters and the oldest one until they are acknowledged', async () => {
    const topic = new DeadLetterTopic(kafka, deadLetterTopic);
    const before = await topic.backlog();
    expect(before).toMatchObject({ retained: 4, pending: 4 });
    expect(before.oldestPendingMs).toBeGreaterThan(Date.now() - 10 * 60_000);
    const acked = await lungflow('deadletter', 'ack', '0:2', '--brokers', KAFKA_BROKERS.join(','), '--topic', deadLetterTopic);
    expect(acked.code).toBe(0);
    expect(await topic.backlog()).toMatchObject({ retained: 4, pending: 1 });
  }, 120_000);
});
