// payments as a module: the provider (simulated in-process unless PAYMENT_PROVIDER_URL), its
// client, the recovery scan at start, contactless charging as invoices are issued, overdue reminders
// (the daily run, a minute job sending what waited, delivery receipts from ctx.sms), and the
// drivers' and payment routes.
import type { Config } from '../core/config.ts';
import type { IssuedInvoice } from '../core/changes.ts';
import type { OneLotModule, StartContext } from '../core/module.ts';
import { createProviderClient, type ProviderClientOptions } from './client.ts';
import { paymentsOperatorRoutes, paymentsRoutes } from './http/index.ts';
import { startSimulatedProvider, type SimulatedProvider } from './provider-sim/server.ts';
import { PaymentsRuntime } from './runtime.ts';
import { startAutoCharger } from './auto-charger.ts';
import { contactlessHook } from './contactless-hook.ts';
import { reconcilePending } from './reconcile.ts';
import { runReminders } from './reminders.ts';
import { applyDeliveryReceipt, dispatchReminders, pollDeliveries } from './reminder-dispatch.ts';
import { parseQuietHours } from './quiet-hours.ts';
import { audit } from '../core/audit.ts';

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
  /** The clock of reminder runs (default the machine's). */
  now?: () => Date;
}

export interface PaymentsModule extends OneLotModule {
  runtime: PaymentsRuntime;
}

export function paymentsModule(config: Config, opts: PaymentsModuleOptions = {}): PaymentsModule {
  const runtime = new PaymentsRuntime(opts.now);
  runtime.quiet = parseQuietHours(config.REMINDER_QUIET_HOURS);
  return {
    name: 'payments',
    runtime,
    // Records contactless attempts right behind the ingest COMMIT that issues their invoices, in a
    // process that also charges (contactless-hook.ts); elsewhere the 'invoices' hint below does.
    hooks: [contactlessHook(runtime, (m) => runtime.log(m))],
    routes: (app, ctx) => paymentsRoutes(app, ctx, runtime),
    operatorRoutes: (app, ctx) => paymentsOperatorRoutes(app, ctx, runtime),
    jobs: [{
      name: 'overdue reminders (REMINDER_CRON)', schedule: config.REMINDER_CRON, timeZone: 'Asia/Shanghai',
      async run({ pool, log, sms }) {
        const r = await runReminders(pool, sms, { now: runtime.now(), tenant: null, quiet: runtime.quiet, log: (m) => log.info(m) });
        await audit(pool, { by: null, operatorId: null, action: 'reminders.run', after: { created: r.created, counts: r.counts } });
      },
    }, {
      // What waits: reminders deferred by quiet hours, retries after backoff, receipts never pushed.
      name: 'reminder sending (quiet hours, retries, receipts)', schedule: '* * * * *',
      async run({ pool, log, sms }) {
        if (!sms) return;
        await dispatchReminders(pool, sms, { now: runtime.now(), tenant: null, quiet: runtime.quiet, log: (m) => log.info(m) });
        await pollDeliveries(pool, sms, runtime.now());
      },
    }],
    start: (ctx) => startPayments(ctx, runtime, opts),
  };
}

async function startPayments({ pool, log, changes, config, httpUrl, metrics, sms }: StartContext, runtime: PaymentsRuntime, opts: PaymentsModuleOptions) {
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
    const ids = invoices.filter((i) => i.autoCharge && !i.chargeRecorded).map((i) => i.invoiceId);
    if (ids.length) void autoCharger.poke(ids);
  };
  changes.on('invoices', onIssued);
  // Delivery receipts of reminders, as the SMS provider reports them (notifications/).
  const offReceipts = sms?.onReceipt(async (r) => { await applyDeliveryReceipt(pool, sms.provider, r); });
  runtime.client = client;
  runtime.log = info;
  runtime.autoCharger = autoCharger;
  return async () => {
    changes.off('invoices', onIssued);
    offReceipts?.();
    runtime.client = undefined;
    runtime.autoCharger = undefined;
    await autoCharger.stop();
    await ownProvider?.close();
  };
}
