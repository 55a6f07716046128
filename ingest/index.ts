// ingest's entry point: the broker devices connect to (or the consumer of an external broker's
// shared subscription, with the device accounts there), and the database jobs of its hypertables.
export { buildBroker, type Broker } from './broker.ts';
export { consumeBroker, type BrokerConsumer } from './broker-consumer.ts';
export { DynsecAccounts } from './dynsec-accounts.ts';
export { ingestJobs } from './jobs.ts';
