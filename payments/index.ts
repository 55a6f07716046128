// payments' entry point: what the composer may use; the rest is internal.
export { paymentsModule, type PaymentsModule, type PaymentsModuleOptions } from './module.ts';
// The simulated provider as a process of its own (scripts/provider-sim.ts, used by `npm run chaos`).
export { startSimulatedProvider } from './provider-sim/server.ts';
