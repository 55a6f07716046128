// ingest's entry point: the broker devices connect to, and the database jobs of its hypertables
// (with the writer, for a `jobs` process without a broker: device health marks bays unknown through it).
export { buildBroker, type Broker, type BrokerDeps } from './broker.ts';
export { ingestJobs } from './jobs.ts';
export { EventWriter } from './writer.ts';
