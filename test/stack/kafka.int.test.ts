import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { stackSettings } from '../helpers/stackSettings';

// The real Kafka of deploy/local (npm run stack:up); plain kafkajs, so this checks the broker, not libs/kafka.
jest.setTimeout(60_000);

const settings = stackSettings();
const kafka = new Kafka({ clientId: 'lungflow-stack-test', brokers: settings.kafkaBrokers, logLevel: logLevel.NOTHING });

describe('local Kafka (KRaft, single node)', () => {
  const admin = kafka.admin();
  const topics: string[] = [];
  let consumer: Consumer | undefined;

  beforeAll(() => admin.connect());
  afterAll(async () => {
    await consumer?.disconnect();
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('has one broker that is also the controller', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toHaveLength(1);
    expect(cluster.controller).toBe(cluster.brokers[0]!.nodeId);
    expect(`${cluster.brokers[0]!.host}:${cluster.brokers[0]!.port}`).toBe(settings.kafkaBrokers[0]);
  });

  it('delivers produced messages, with key and headers, to a consumer reading from the beginning', async () => {
    const topic = `lungflow-stack-test.${randomUUID()}`;
    topics.push(topic);
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })).toBe(true);

    const sent = ['first', 'second', 'third'].map((word, i) => ({ key: `study-${i}`, value: JSON.stringify({ word, i }), headers: { traceId: randomUUID() } }));
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    try {
      await producer.send({ topic, messages: sent });
    } finally {
      await producer.disconnect();
    }

    const received: KafkaMessage[] = [];
    consumer = kafka.consumer({ groupId: `lungflow-stack-test-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void received.push(message) });
    const deadline = Date.now() + 30_000;
    while (received.length < sent.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    expect(received.map((m) => [m.key?.toString(), m.value?.toString(), m.headers?.traceId?.toString()])).toEqual(
      sent.map((m) => [m.key, m.value, m.headers.traceId]),
    );
  });

  it('runs with the documented broker settings (automatic topic creation on, 3 default partitions)', async () => {
    const cluster = await admin.describeCluster();
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: String(cluster.brokers[0]!.nodeId), configNames: ['auto.create.topics.enable', 'num.partitions'] }],
    });
    const config = Object.fromEntries(resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    expect(config).toEqual({ 'auto.create.topics.enable': 'true', 'num.partitions': '3' });
  });
});
