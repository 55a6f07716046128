// payments' entry point: what the composer may use; the rest is internal.
export { paymentsModule, type PaymentsModule, type PaymentsModuleOptions } from './module.ts';
