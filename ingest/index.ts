// ingest's entry point: the broker devices connect to (or the consumer of an external broker's
// shared subscription, with the device accounts there), and the database jobs of its hypertables
// (with the writer, for a `jobs` process without a broker: device health marks bays unknown through it).
export { buildBroker, type Broker, type BrokerDeps } from './broker.ts';
export { consumeBroker, type BrokerConsumer } from './broker-consumer.ts';
export { DynsecAccounts } from './dynsec-accounts.ts';
export { ingestJobs } from './jobs.ts';
export { EventWriter } from './writer.ts';
