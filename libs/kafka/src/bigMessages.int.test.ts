import { createHash, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ConfigResourceTypes } from 'kafkajs';
import { MAX_MESSAGE_BYTES, TOPICS, deadLetter, encodeMessage, inferenceCompleted, studyReceived } from '@lungflow/contracts';
import type { InferenceCompleted, InstanceResult, StudyReceived } from '@lungflow/contracts';
import { LungFlowError } from '@lungflow/errors';
import { randomTopicName, testKafka, waitForMessages } from '../../../test/helpers/kafka';
import { ConsumerRunner, EventProducer, ensureTopics } from './index';

/**
 * Real Kafka of deploy/local (issue 16 item 3). Kafka's default max.message.bytes (1 MB) refused a study.received
 * of a few thousand instances and an inference.completed of a ~1,200-slice CT with MESSAGE_TOO_LARGE, for good.
 * Topics here are made by ensureTopics from the TOPICS rows (random names), as the services make theirs.
 */
jest.setTimeout(90_000);

/** Kafka's default message.max.bytes: the size these events had to stay under before. */
const KAFKA_DEFAULT_MAX_BYTES = 1_048_588;

function uid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

/** A CT study of `instances` slices in one series, with the WADO-RS URLs a PACS behind a long host name gives. */
function bigStudy(instances: number): StudyReceived {
  const studyInstanceUid = uid();
  const seriesInstanceUid = uid();
  const base = `https://pacs.hospital.example.org/dcm4chee-arc/aets/DCM4CHEE/rs/studies/${studyInstanceUid}`;
  return {
    schemaVersion: 1,
    studyInstanceUid,
    studyVersion: 1,
    contentHash: 'a'.repeat(64),
    modalities: ['CT'],
    bodyParts: ['CHEST'],
    instanceCount: instances,
    series: [
      {
        seriesInstanceUid,
        modality: 'CT',
        kind: 'ct',
        instanceCount: instances,
        wadoRsUrl: `${base}/series/${seriesInstanceUid}`,
        instances: Array.from({ length: instances }, (_, i) => {
          const sopInstanceUid = uid();
          return { sopInstanceUid, sopClassUid: '1.2.840.10008.5.1.4.1.1.2', instanceNumber: i + 1, numberOfFrames: 1, wadoRsUrl: `${base}/series/${seriesInstanceUid}/instances/${sopInstanceUid}` };
        }),
      },
    ],
    wadoRsUrl: base,
    receivedAt: new Date().toISOString(),
    sourcePacsId: 'test',
    source: 'qido',
    traceId: randomUUID().replace(/-/g, ''),
  };
}

/** An inference.completed of a `slices`-slice CT as infer writes it: per slice probabilities, decision, an 8×8 CAM. */
function bigResult(slices: number): InferenceCompleted {
  const model = { id: 'ct-v1', version: '1.0.0', sha256: createHash('sha256').update('weights').digest('hex') };
  const seriesInstanceUid = uid();
  const results = Array.from({ length: slices }, (): InstanceResult => {
    const p = Math.random();
    const cam = Buffer.alloc(64 * 4);
    for (let i = 0; i < 64; i += 1) cam.writeFloatLE(Math.random(), i * 4);
    return {
      seriesInstanceUid,
      sopInstanceUid: uid(),
      frame: 1,
      model,
      probabilities: { covid19: p, non_covid: 1 - p },
      decision: { className: 'covid19', threshold: 0.5, positive: p >= 0.5, status: p >= 0.5 ? 'positive' : 'negative' },
      activationMap: { shape: [8, 8], encoding: 'float32-base64', data: cam.toString('base64'), className: 'covid19' },
    };
  });
  const decision = { className: 'covid19', threshold: 0.5, positive: true, status: 'positive' as const };
  return {
    schemaVersion: 1,
    studyInstanceUid: uid(),
    studyVersion: 1,
    traceId: randomUUID().replace(/-/g, ''),
    sourcePacsId: 'test',
    results,
    aggregate: { method: 'mean-top-3', probabilities: { covid19: 0.7, non_covid: 0.3 }, decision, analysedImages: slices },
    provenance: { lungflowVersion: '0.1.0', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() },
  };
}

/** The JSON size and its gzip size, printed so the README's compression figures stay measured. */
function sizes(what: string, value: unknown): number {
  const json = Buffer.from(JSON.stringify(value));
  process.stdout.write(`bigMessages: ${what}: ${json.length} bytes of JSON, ${gzipSync(json).length} gzipped\n`);
  return json.length;
}

async function until(what: string, ms: number, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('big studies on the real Kafka', () => {
  const kafka = testKafka('lungflow-big-messages-test');

  it('a 3,000-instance study.received and a 1,500-slice inference.completed (each over 1 MB of JSON) are produced and consumed', async () => {
    const topics = { studyReceived: randomTopicName('big-received'), inferenceCompleted: randomTopicName('big-completed'), deadLetter: randomTopicName('big-dead') };
    await ensureTopics(kafka, [
      { ...TOPICS.studyReceived, name: topics.studyReceived, partitions: 1 },
      { ...TOPICS.inferenceCompleted, name: topics.inferenceCompleted, partitions: 1 },
      { ...TOPICS.deadLetter, name: topics.deadLetter },
    ]);
    const admin = kafka.admin();
    await admin.connect();
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topics.studyReceived, configNames: ['max.message.bytes'] }] });
    await admin.disconnect();
    expect(described.resources[0]?.configEntries[0]).toMatchObject({ configName: 'max.message.bytes', configValue: String(MAX_MESSAGE_BYTES) });

    const study = bigStudy(3_000);
    const result = bigResult(1_500);
    expect(sizes('study.received of 3,000 instances', study)).toBeGreaterThan(KAFKA_DEFAULT_MAX_BYTES);
    expect(sizes('inference.completed of 1,500 slices', result)).toBeGreaterThan(KAFKA_DEFAULT_MAX_BYTES);

    const producer = new EventProducer(kafka, topics);
    await producer.send(studyReceived, { studyInstanceUid: study.studyInstanceUid }, study);
    await producer.send(inferenceCompleted, { studyInstanceUid: result.studyInstanceUid }, result);

    const received: StudyReceived[] = [];
    const completed: InferenceCompleted[] = [];
    const runners = [
      new ConsumerRunner({ kafka, groupId: `test-big-${randomUUID()}`, contract: studyReceived, topic: topics.studyReceived, producer, handler: async ({ value }) => void received.push(value) }),
      new ConsumerRunner({ kafka, groupId: `test-big-${randomUUID()}`, contract: inferenceCompleted, topic: topics.inferenceCompleted, producer, handler: async ({ value }) => void completed.push(value) }),
    ];
    try {
      await Promise.all(runners.map((runner) => runner.start()));
      await until('both big messages', 45_000, () => received.length >= 1 && completed.length >= 1);
    } finally {
      await Promise.all(runners.map((runner) => runner.stop()));
      await producer.disconnect();
    }
    expect(received).toHaveLength(1);
    expect(received[0]).toEqual(study);
    expect(completed).toHaveLength(1);
    expect(completed[0]?.results).toHaveLength(1_500);
    expect(completed[0]?.results[1_499]).toEqual(result.results[1_499]);
    expect(await waitForMessages(kafka, deadLetter, topics.deadLetter, { count: 0, timeoutMs: 500, settleMs: 0 })).toHaveLength(0);
  });

  it('a dead letter too big for its topic is written once, trimmed, with the original key, place, size and hash; the offset is committed', async () => {
    const topic = randomTopicName('big');
    const deadTopic = randomTopicName('big-dead');
    // A dead-letter topic that takes less than the original even compressed (3,000 random UIDs do not gzip below
    // ~50 KB): the envelope quoting it can never be written whole.
    await ensureTopics(kafka, [
      { ...TOPICS.studyReceived, name: topic, partitions: 1 },
      { ...TOPICS.deadLetter, name: deadTopic, maxMessageBytes: 16 * 1024 },
    ]);
    const producer = new EventProducer(kafka, { studyReceived: topic, deadLetter: deadTopic });
    const study = bigStudy(3_000);
    await producer.send(studyReceived, { studyInstanceUid: study.studyInstanceUid }, study);

    let attempts = 0;
    const groupId = `test-big-dead-${randomUUID()}`;
    const runner = new ConsumerRunner({
      kafka,
      groupId,
      contract: studyReceived,
      topic,
      producer,
      backoff: { initialMs: 50, maxMs: 200 },
      handler: async () => {
        attempts += 1;
        throw new LungFlowError('DICOM_MALFORMED', `instance ${study.series[0]?.instances[0]?.sopInstanceUid ?? ''} is not DICOM`);
      },
    });
    let letters: Awaited<ReturnType<typeof waitForMessages<typeof deadLetter>>>;
    try {
      await runner.start();
      letters = await waitForMessages(kafka, deadLetter, deadTopic, { count: 1, timeoutMs: 30_000, settleMs: 2_000 });
    } finally {
      await runner.stop();
      await producer.disconnect();
    }

    expect(attempts).toBe(1);
    expect(letters).toHaveLength(1);
    const originalValue = Buffer.from(encodeMessage(studyReceived, { studyInstanceUid: study.studyInstanceUid }, study).value); // the bytes sent
    expect(letters[0]?.value).toMatchObject({
      errorCode: 'DICOM_MALFORMED',
      attempts: 1,
      original: {
        topic,
        partition: 0,
        offset: '0',
        key: JSON.stringify({ studyInstanceUid: study.studyInstanceUid }),
        value: null,
        truncated: { valueBytes: originalValue.length, valueSha256: createHash('sha256').update(originalValue).digest('hex') },
      },
    });
    expect(letters[0]?.value.reason).toContain('is not DICOM');
    expect(letters[0]?.value.reason).toContain(`read it at ${topic}/0/0`);

    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    expect(offsets?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '1' })]);
  });
});
