// payments as a module: the provider (simulated in-process unless PAYMENT_PROVIDER_URL), its
// client, the recovery scan at start, contactless charging as invoices are issued, the reminder
// schedule, and the drivers' and payment routes.
import type { Config } from '../core/config.ts';
import type { IssuedInvoice } from '../core/changes.ts';
import type { OneLotModule, StartContext } from '../core/module.ts';
import { createProviderClient, type ProviderClientOptions } from './client.ts';
import { paymentsOperatorRoutes, paymentsRoutes } from './http/index.ts';
import { startSimulatedProvider, type SimulatedProvider } from './provider-sim/server.ts';
import { PaymentsRuntime } from './runtime.ts';
import { startAutoCharger } from './auto-charger.ts';
import { reconcilePending } from './reconcile.ts';
import { sendOverdueReminders } from './reminders.ts';

export interface PaymentsModuleOptions {
  /** Use this already running simulated provider (it outlives a platform restart); not closed on stop. */
  provider?: SimulatedProvider;
  /** Auto-charger pass interval (ms). */
  autoChargeIntervalMs?: number;
  /** How long an attempt may wait for its payer at the provider before it is cancelled (ms; reconcile.ts, 15 min). */
  cancelPendingAfterMs?: number;
  client?: Omit<ProviderClientOptions, 'baseUrl'>;
  /** Simulated provider tuning (latency, slow-token delay). */
  sim?: { latencyMs?: number; slowMs?: number };
}

export interface PaymentsModule extends OneLotModule {
  runtime: PaymentsRuntime;
}

export function paymentsModule(config: Config, opts: PaymentsModuleOptions = {}): PaymentsModule {
  const runtime = new PaymentsRuntime();
  return {
    name: 'payments',
    runtime,
    routes: (app, ctx) => paymentsRoutes(app, ctx, runtime),
    operatorRoutes: (app, ctx) => paymentsOperatorRoutes(app, ctx, runtime),
    jobs: [{
      name: 'overdue reminders (REMINDER_CRON)', schedule: config.REMINDER_CRON, timeZone: 'Asia/Shanghai',
      async run({ pool, log }) {
        const sent = await sendOverdueReminders(pool, new Date(), (m) => log.info(m));
        if (sent.length) log.info(`payments: ${sent.length} overdue reminder(s) logged`);
      },
    }],
    start: (ctx) => startPayments(ctx, runtime, opts),
  };
}

async function startPayments({ pool, log, changes, config, httpUrl, metrics }: StartContext, runtime: PaymentsRuntime, opts: PaymentsModuleOptions) {
  const info = (m: string) => log.info(m);
  const webhookUrl = `${httpUrl}/api/v1/payments/webhook`;
  let ownProvider: SimulatedProvider | undefined;
  let baseUrl = config.PAYMENT_PROVIDER_URL;
  if (opts.provider) {
    opts.provider.setWebhookUrl(webhookUrl);
    runtime.provider = opts.provider;
    baseUrl = opts.provider.url;
  } else if (!baseUrl) {
    ownProvider = await startSimulatedProvider({ webhookUrl, webhookSecret: config.PAYMENT_WEBHOOK_SECRET, log: info, ...opts.sim });
    runtime.provider = ownProvider;
    baseUrl = ownProvider.url;
  }
  const client = createProviderClient({ baseUrl: baseUrl!, ...opts.client });
  // Finish what a previous run left half-done before taking new payments.
  const rec = await reconcilePending(pool, client, { cancelAfterMs: opts.cancelPendingAfterMs, log: info, metrics });
  if (rec.checked) info(`payments: recovery scan checked ${rec.checked} pending charge(s), resolved ${rec.resolved}`);
  const autoCharger = startAutoCharger(pool, client, { intervalMs: opts.autoChargeIntervalMs ?? 10_000, cancelPendingAfterMs: opts.cancelPendingAfterMs, log: info, metrics });
  // "Leave and go": charge a contactless plate as soon as its invoice is committed. The charger
  // also scans the database on an interval, so a lost notification only delays a charge.
  const onIssued = (invoices: IssuedInvoice[]) => {
    const ids = invoices.filter((i) => i.autoCharge).map((i) => i.invoiceId);
    if (ids.length) void autoCharger.poke(ids);
  };
  changes.on('invoices', onIssued);
  runtime.client = client;
  runtime.autoCharger = autoCharger;
  return async () => {
    changes.off('invoices', onIssued);
    runtime.client = undefined;
    await autoCharger.stop();
    await ownProvider?.close();
  };
}
