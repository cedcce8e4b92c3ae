import { randomUUID } from 'node:crypto';
import { studyReceived } from '@lungflow/contracts';
import { createTestTopic, testKafka } from '../../../test/helpers/kafka';
import { studyReceivedFixture } from '../../../test/helpers/studyReceivedFixture';
import { ConsumerRunner, EventProducer } from './index';

// Real Kafka from deploy/local (npm run stack:up; KAFKA_BROKERS or KAFKA_PORT). Random topic and group.
jest.setTimeout(90_000);

/**
 * Issue 16: kafkajs stops a consumer for good when an error it calls non-retriable escapes eachMessage (its
 * CRASH event with restart=false); in the soak a Kafka restart did that to an infer replica, which stayed up and
 * consumed nothing. The one deterministic way to make a real kafkajs consumer crash so is an exception from the
 * runner's own code after the handler: here an onOutcome callback that throws a TypeError once (kafkajs never
 * retries a TypeError). Before the fix nothing consumed the second message; now the runner recreates the consumer.
 */
describe('ConsumerRunner after its kafkajs consumer crashed (real Kafka)', () => {
  const kafka = testKafka();

  it('rejoins, redelivers the uncommitted message and goes on consuming', async () => {
    const topic = await createTestTopic(kafka, undefined, 1);
    const producer = new EventProducer(kafka, { studyReceived: topic });
    const uid = (n: number) => `1.2.826.0.1.3680043.8.498.${Date.now()}${n}`;
    const first = uid(1);
    await producer.send(studyReceived, { studyInstanceUid: first }, studyReceivedFixture(first));

    const handled: string[] = [];
    const states: string[] = [];
    let thrown = false;
    const runner = new ConsumerRunner({
      kafka,
      groupId: `test-crash-${randomUUID()}`,
      contract: studyReceived,
      topic,
      producer,
      rejoinBackoff: { initialMs: 200, maxMs: 1_000 },
      handler: async ({ value }) => void handled.push(value.studyInstanceUid),
      onOutcome: () => {
        if (thrown) return;
        thrown = true;
        throw new TypeError('a bug in a metrics callback');
      },
      onCrash: () => void states.push('crashed'),
    });
    try {
      await runner.start();
      const deadline = Date.now() + 60_000;
      while (!(states.length === 1 && runner.state === 'running' && handled.length >= 2) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(states).toEqual(['crashed']);
      expect(runner.isConsuming()).toBe(true);
      expect(handled).toEqual([first, first]); // not committed before the crash, so delivered once more

      const second = uid(2);
      await producer.send(studyReceived, { studyInstanceUid: second }, studyReceivedFixture(second));
      while (!handled.includes(second) && Date.now() < deadline + 20_000) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(handled).toEqual([first, first, second]);
    } finally {
      await runner.stop();
      await producer.disconnect();
    }
  });
});
