// analytics' entry point: what other modules and the composer may use; the rest is internal.
export { analyticsModule } from './module.ts';
// The statements of billing and payments that change sessions and invoices record their deltas with these.
export { addToHourlyStats, invoicedDeltas, movedEndDeltas, paidDeltas, sessionDeltas } from './hourly-stats.ts';
// The city view's picture, for scripts/bench-city-view.ts (what it costs the embedded database).
export { CityPictures } from './city-view.ts';
