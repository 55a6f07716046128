// ingest's entry point: the broker devices connect to, and the database jobs of its hypertables.
export { buildBroker, type Broker } from './broker.ts';
export { ingestJobs } from './jobs.ts';
