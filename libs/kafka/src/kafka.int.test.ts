import { randomUUID } from 'node:crypto';
import { deadLetter, encodeMessage, studyReceived } from '@lungflow/contracts';
import type { StudyReceived } from '@lungflow/contracts';
import { LungFlowError } from '@lungflow/errors';
import { createTestTopic, testKafka, waitForMessages } from '../../../test/helpers/kafka';
import { ConsumerRunner, EventProducer } from './index';

// Real Kafka from deploy/local (npm run stack:up). Random topics per test.
jest.setTimeout(60_000);

function event(studyInstanceUid: string): StudyReceived {
  const base = `http://127.0.0.1:8042/dicom-web/studies/${studyInstanceUid}`;
  return {
    schemaVersion: 1,
    studyInstanceUid,
    studyVersion: 1,
    contentHash: 'd'.repeat(64),
    modalities: ['CR'],
    bodyParts: ['CHEST'],
    instanceCount: 1,
    series: [{ seriesInstanceUid: '1.2.3.4', modality: 'CR', kind: 'cxr', instanceCount: 1, wadoRsUrl: `${base}/series/1.2.3.4`, instances: [{ sopInstanceUid: '1.2.3.4.5', sopClassUid: '1.2.840.10008.5.1.4.1.1.1', numberOfFrames: 1, wadoRsUrl: `${base}/series/1.2.3.4/instances/1.2.3.4.5` }] }],
    wadoRsUrl: base,
    receivedAt: new Date().toISOString(),
    sourcePacsId: 'test',
    source: 'qido',
    traceId: randomUUID(),
  };
}

describe('producer and consumer runner (real Kafka)', () => {
  const kafka = testKafka();

  it('delivers validated events in order per study, commits handled ones, and dead-letters poison messages', async () => {
    const topic = await createTestTopic(kafka);
    const deadTopic = await createTestTopic(kafka, undefined, 1);
    const producer = new EventProducer(kafka, { studyReceived: topic, deadLetter: deadTopic });
    const uid = `2.25.${BigInt('0x' + randomUUID().replace(/-/g, '')).toString()}`.slice(0, 64);
    const sent = await producer.send(studyReceived, { studyInstanceUid: uid }, { ...event(uid), studyVersion: 1 });
    await producer.send(studyReceived, { studyInstanceUid: uid }, { ...event(uid), studyVersion: 2 });
    expect(sent.topic).toBe(topic);

    // A poison message, written around the contract as a buggy or foreign producer would.
    const raw = kafka.producer();
    await raw.connect();
    await raw.send({ topic, messages: [{ key: encodeMessage(studyReceived, { studyInstanceUid: uid }, event(uid)).key, value: '{"schemaVersion":1}' }] });
    await raw.disconnect();

    const handled: number[] = [];
    let failedOnce = false;
    const runner = new ConsumerRunner({
      kafka,
      groupId: `test-group-${randomUUID()}`,
      contract: studyReceived,
      topic,
      producer,
      backoff: { initialMs: 50, maxMs: 200 },
      handler: async ({ value }) => {
        if (!failedOnce) {
          failedOnce = true;
          throw new LungFlowError('PACS_UNREACHABLE', 'transient');
        }
        handled.push(value.studyVersion);
      },
    });
    await runner.start();
    const letters = await waitForMessages(kafka, deadLetter, deadTopic, { count: 1 });
    const deadline = Date.now() + 20_000;
    while (handled.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await runner.stop();
    await producer.disconnect();

    expect(handled).toEqual([1, 2]); // the retried first message was not skipped, and order held (one key, one partition)
    expect(letters).toHaveLength(1);
    expect(letters[0].value).toMatchObject({ errorCode: 'CONTRACT_INVALID', original: { topic, value: '{"schemaVersion":1}' } });

    // Committed offsets: a new runner in the same group would start after the dead-lettered message.
    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId: runner['options'].groupId, topics: [topic] });
    await admin.disconnect();
    const committed = offsets.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    expect(committed).toBe(3);
  });
});
