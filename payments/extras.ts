// Payments wired into the platform: the provider (simulated in-process unless PAYMENT_PROVIDER_URL),
// its client, the recovery scan at start, the contactless auto-charger and the reminder schedule.
import cron from 'node-cron';
import type { Config } from '../core/config.ts';
import type { Platform, PlatformExtras } from '../platform.ts';
import { OneLotError } from '../core/errors.ts';
import { startSimulatedProvider, type SimulatedProvider } from './provider-sim/server.ts';
import { createProviderClient, type ProviderClient, type ProviderClientOptions } from './client.ts';
import { reconcilePending, sendOverdueReminders, startAutoCharger, type AutoCharger } from './service.ts';
import { driverRoutes } from '../api/routes/drivers.ts';

/**
 * What the routes need but which exists only once the platform listens (the provider's webhook
 * URL is the API's own URL). Filled by onStarted; until then payment routes answer 503.
 */
export interface PaymentsRuntime {
  config: Config;
  client?: ProviderClient;
  autoCharger?: AutoCharger;
  /** The in-process simulated provider, when there is one (tests read its ledger). */
  provider?: SimulatedProvider;
  /** The provider client, or 503 ONELOT_ERR_UNAVAILABLE while payments are starting. */
  requireClient(): ProviderClient;
}

export interface PaymentsExtrasOptions {
  /** Use this already running simulated provider (it outlives a platform restart); not closed on stop. */
  provider?: SimulatedProvider;
  /** Auto-charger pass interval (ms). */
  autoChargeIntervalMs?: number;
  client?: Omit<ProviderClientOptions, 'baseUrl'>;
  /** Simulated provider tuning (latency, slow-token delay). */
  sim?: { latencyMs?: number; slowMs?: number };
}

/** Schedule overdue reminders with node-cron; returns the stop. Throws naming REMINDER_CRON if invalid. */
export function scheduleReminders(platform: Pick<Platform, 'db'>, expression: string, log: (m: string) => void): () => Promise<void> {
  if (!cron.validate(expression)) throw new Error(`REMINDER_CRON=${JSON.stringify(expression)} is not a cron expression; use e.g. "0 10 * * *" (10:00 daily).`);
  const task = cron.schedule(expression, async () => {
    const sent = await sendOverdueReminders(platform.db.pool, new Date(), log);
    if (sent.length) log(`payments: ${sent.length} overdue reminder(s) logged`);
  }, { timezone: 'Asia/Shanghai', name: 'onelot-overdue-reminders', noOverlap: true });
  return async () => { await task.destroy(); };
}

export function paymentsExtras(config: Config, opts: PaymentsExtrasOptions = {}): PlatformExtras & { payments: PaymentsRuntime } {
  const runtime: PaymentsRuntime = {
    config,
    requireClient() {
      if (!runtime.client) throw new OneLotError('ONELOT_ERR_UNAVAILABLE');
      return runtime.client;
    },
  };
  return {
    payments: runtime,
    plugins: [(app, ctx) => driverRoutes(app, ctx, runtime)],
    onStarted: [async (platform) => {
      const log = (m: string) => platform.api.log.info(m);
      const webhookUrl = `${platform.httpUrl}/api/v1/payments/webhook`;
      let ownProvider: SimulatedProvider | undefined;
      let baseUrl = config.PAYMENT_PROVIDER_URL;
      if (opts.provider) {
        opts.provider.setWebhookUrl(webhookUrl);
        runtime.provider = opts.provider;
        baseUrl = opts.provider.url;
      } else if (!baseUrl) {
        ownProvider = await startSimulatedProvider({ webhookUrl, webhookSecret: config.PAYMENT_WEBHOOK_SECRET, log, ...opts.sim });
        runtime.provider = ownProvider;
        baseUrl = ownProvider.url;
      }
      const client = createProviderClient({ baseUrl: baseUrl!, ...opts.client });
      // Finish what a previous run left half-done before taking new payments.
      const rec = await reconcilePending(platform.db.pool, client, { log, metrics: platform.metrics });
      if (rec.checked) log(`payments: recovery scan checked ${rec.checked} pending charge(s), resolved ${rec.resolved}`);
      const autoCharger = startAutoCharger(platform.db.pool, client, { intervalMs: opts.autoChargeIntervalMs ?? 10_000, log, metrics: platform.metrics });
      const stopReminders = config.SCHEDULED_JOBS ? scheduleReminders(platform, config.REMINDER_CRON, log) : async () => {};
      runtime.client = client;
      runtime.autoCharger = autoCharger;
      return async () => {
        runtime.client = undefined;
        await stopReminders();
        await autoCharger.stop();
        await ownProvider?.close();
      };
    }],
  };
}
