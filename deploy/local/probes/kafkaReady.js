#!/usr/bin/env node
// Readiness probe for the local Kafka: exit 0 once a client can fetch cluster metadata from the broker, 1 if not.
// A node client instead of kafka-broker-api-versions.sh because a JVM start costs seconds on this small machine,
// and because it proves what the services need: kafkajs can talk to the broker.
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const broker = process.argv[2] || `127.0.0.1:${process.env.KAFKA_PORT || 9092}`;
const timeoutMs = Number(process.argv[3] || 3000);

async function main() {
  const kafka = new Kafka({
    clientId: 'lungflow-stack-probe',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    // A broker that answers but has no controller yet cannot create topics or serve groups: not ready.
    if (cluster.brokers.length === 0 || cluster.controller === null || cluster.controller === undefined) return 1;
    return 0;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const timer = setTimeout(() => process.exit(1), timeoutMs + 1000);
main()
  .then((code) => { clearTimeout(timer); process.exit(code); })
  .catch(() => { clearTimeout(timer); process.exit(1); });
