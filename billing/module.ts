// billing as a module: the ingest hook that builds sessions from device events and issues invoices
// in the same transaction, its routes, the overstay job, and price estimates for guidance.
import type { IssuedInvoice, LotsChanged } from '../core/changes.ts';
import type { Config } from '../core/config.ts';
import type { OneLotModule } from '../core/module.ts';
import { createSessionHook, overstayScan, settleStalePlates, type SessionHook } from './sessions.ts';
import type { Queryable } from './session-store.ts';
import { billingOperatorRoutes, publicBillingRoutes } from './http/index.ts';
import { checkEvBays } from './ev-bays.ts';
import { runRecommendations } from './price-steps.ts';

export interface BillingModuleOptions {
  /**
   * Gives lots without a tariff one, at start, when an operator adds a lot (only `lotIds`), and when
   * an event names a lot added since (the demo seed's defaults, seed/billing-seed.ts). Without it
   * such lots are not billed.
   */
  ensureTariffs?: (q: Queryable, lotIds?: readonly string[]) => Promise<void>;
}

export interface BillingModule extends OneLotModule {
  /** The ingest hook: its `events` emitter says which invoices each committed batch issued. */
  sessionHook: SessionHook;
}

export function billingModule(config: Pick<Config, 'INVOICE_DUE_DAYS' | 'PLATE_HOME_PROVINCE'>, opts: BillingModuleOptions = {}): BillingModule {
  const sessionHook = createSessionHook({ dueDays: config.INVOICE_DUE_DAYS, homeProvince: config.PLATE_HOME_PROVINCE, ensureTariffs: opts.ensureTariffs });
  return {
    name: 'billing',
    sessionHook,
    hooks: [sessionHook],
    routes: publicBillingRoutes,
    // The console's tariff and pass writes reload the book, so what they change prices the next exit.
    // Other processes (ingest bills, api prices) reload on the feed's `tariffs`.
    operatorRoutes: (app, ctx) => billingOperatorRoutes(app, ctx, {
      reload: async () => { await sessionHook.reload(ctx.pool); ctx.changes.emit('tariffs', { lotIds: [] }); },
      book: () => sessionHook.book,
    }),
    // Guidance ranks by price too, with the same tariffs that bill the stay.
    priceEstimate: (lotId, entry, exit) => sessionHook.book.estimate(lotId, entry, exit),
    jobs: [{
      // plate rule 5: a street stay whose camera exit read never came is judged on its other reads.
      name: 'pending plates', schedule: '*/5 * * * *',
      async run({ pool, log }) {
        const n = await settleStalePlates(pool, sessionHook);
        if (n) log.info(`sessions: ${n} street stay(s) judged without their camera's exit read`);
      },
    }, {
      name: 'overstay scan', schedule: '*/15 * * * *',
      async run({ pool, log }) {
        const n = await overstayScan(pool, new Date());
        if (n) log.info(`sessions: ${n} open session(s) past their lot's maximum stay kept as overstay exceptions`);
        // The embedded database has no autovacuum: keep the planner's statistics of the busy tables fresh.
        await pool.query('ANALYZE sessions, invoices, session_exceptions');
      },
    }, {
      // EV-charging bays taken by cars that are not new-energy, past the grace: an alert per camera.
      name: 'EV bay check', schedule: '* * * * *',
      async run({ pool, log }) {
        const r = await checkEvBays(pool, sessionHook.book);
        if (r.opened || r.cleared) log.info(`EV bays: ${r.misused} bay(s) taken by non-EVs; ${r.opened} alert(s) opened, ${r.cleared} cleared`);
      },
    }, {
      // Price steps (issue 15 §2): Monday morning, so the operator has the week to decide before next Monday's start.
      name: 'price recommendations', schedule: '0 6 * * 1', timeZone: 'Asia/Shanghai',
      async run({ pool, log }) {
        const r = await runRecommendations(pool, sessionHook.book, { operatorId: null });
        log.info(`pricing: ${r.recommended} lot(s) with a recommended step, ${r.held} holding, ${r.skipped} skipped`);
      },
    }],
    // Where sessions are billed (ingest) and where guidance prices stays (api).
    startIn: ['ingest', 'api'],
    async start({ pool, changes, metrics, log }) {
      await opts.ensureTariffs?.(pool);
      await sessionHook.reload(pool);
      sessionHook.metrics = metrics;
      // Tell the rest of the platform (payments' contactless charging) what each commit issued.
      const forward = (list: IssuedInvoice[]) => { changes.emit('invoices', list); };
      sessionHook.events.on('issued', forward);
      // A lot an operator just made is priced from the start — its public page and the console's
      // tariffs show its tariff — not only once its first device event reaches the session hook.
      // Only the lots it names: another tenant's lots are not this change's business.
      const onLots = ({ lotIds }: LotsChanged) => {
        // A bay an operator (un)marked as EV-charging changes what its next stay may owe.
        void sessionHook.book.loadEvBays(pool, lotIds).catch((err: unknown) => log.warn(`billing: EV bays of ${lotIds.join(', ')} not re-read: ${(err as Error).message}`));
        const fresh = lotIds.filter((id) => !sessionHook.book.lots.has(id));
        if (!fresh.length) return;
        void (async () => { await opts.ensureTariffs?.(pool, fresh); await sessionHook.reload(pool); })()
          .catch((err: unknown) => log.warn(`billing: the tariff of new lot(s) ${lotIds.join(', ')} waits for their first event: ${(err as Error).message}`));
      };
      changes.on('lots', onLots);
      // An operator changed tariffs or passes through another process (here too: reloading twice is cheap and rare).
      const onTariffs = () => { sessionHook.reload(pool).catch((err: unknown) => log.warn(`billing: reloading tariffs failed; the next change retries: ${(err as Error).message}`)); };
      changes.on('tariffs', onTariffs);
      return async () => { sessionHook.events.off('issued', forward); changes.off('lots', onLots); changes.off('tariffs', onTariffs); };
    },
  };
}
