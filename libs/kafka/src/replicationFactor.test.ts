import { replicationFactor } from './replicationFactor';

describe('replicationFactor (issue 16 item 9)', () => {
  it('is 1 for a local broker, 3 for a cluster, and the setting when given', () => {
    expect(replicationFactor(['127.0.0.1:9092'])).toBe(1);
    expect(replicationFactor(['localhost:9092', '[::1]:9093'])).toBe(1);
    expect(replicationFactor(['kafka-0.kafka:9092', 'kafka-1.kafka:9092'])).toBe(3);
    expect(replicationFactor(['127.0.0.1:9092', 'kafka-1:9092'])).toBe(3);
    expect(replicationFactor(['kafka-0:9092'], 2)).toBe(2);
  });
});
