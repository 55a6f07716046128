// operators' entry point: what the composer, the seed and scripts may use.
export { operatorsModule } from './module.ts';
export { createOperator, createCityAccount } from './accounts.ts';
