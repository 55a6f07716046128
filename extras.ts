// The parking business on top of the live map: sessions and invoices from device events (billing/)
// and payments (payments/), wired together. main.ts, benchmarks and the integration test use this.
import type { Config } from './core/config.ts';
import type { PlatformExtras } from './platform.ts';
import { billingExtras, mergeExtras, type BillingExtrasOptions } from './billing/extras.ts';
import { paymentsExtras, type PaymentsExtrasOptions } from './payments/extras.ts';

export function businessExtras(config: Config, opts: { payments?: PaymentsExtrasOptions; billing?: BillingExtrasOptions } = {}) {
  const billing = billingExtras(config, opts.billing);
  const payments = paymentsExtras(config, opts.payments);
  // "Leave and go": charge a contactless plate as soon as its invoice is committed. The charger
  // also scans the database on an interval, so a lost notification only delays a charge.
  billing.sessionHook.events.on('issued', (invoices) => {
    const ids = invoices.filter((i) => i.autoCharge).map((i) => i.invoiceId);
    if (ids.length) void payments.payments.autoCharger?.poke(ids);
  });
  const extras: PlatformExtras = {
    ...mergeExtras(billing, payments),
    // Guidance ranks by price too, with the same tariffs that bill the stay.
    priceEstimate: (lotId, entry, exit) => billing.sessionHook.book.estimate(lotId, entry, exit),
  };
  return { extras, billing, payments };
}
