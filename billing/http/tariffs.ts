// Tariff versions in the operators' console (issue 11), mounted under /api/v1/operator: a lot's
// versions, drafts, validation and live preview, scheduling from a future date, and the city's
// approval of street tariffs. Each statement is scoped to the caller's tenant (billing/http/caller.ts);
// the SQL is in billing/tariff-versions.ts.
import { ADMIN, CITY, READ, scopeOf } from '../../core/tenancy.ts';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { App, RouteContext } from '../../core/module.ts';
import { OneLotError } from '../../core/errors.ts';
import { withTx } from '../../core/db/tx.ts';
import { describeTariff, priceStays, typicalStays } from '../tariff.ts';
import {
  createDraft, decideVersion, deleteDraft, listVersions, pendingApprovals, scheduleVersion, tariffFromDraft, updateDraft, type DraftBody,
} from '../tariff-versions.ts';
import { lotFor, requireCity, requireWriter, type LotRef } from './caller.ts';
import { LotVersions, PendingApprovals, PreviewBody, RejectBody, ScheduleBody, TariffDraft, TariffPreview, TariffVersion } from './schemas.ts';

const Err = Type.Ref('ErrorBody');
const LotParams = Type.Object({ lotId: Type.String({ minLength: 1, maxLength: 64 }) });
const VersionParams = Type.Object({ lotId: Type.String({ minLength: 1, maxLength: 64 }), version: Type.Integer({ minimum: 1 }) });
const tags = ['operator', 'tariffs'];

export interface TariffRouteDeps {
  /** Reload the billing book, so a version approved or withdrawn prices (or stops pricing) stays at once. */
  reload(): Promise<void>;
}

const lotView = (lot: LotRef) => ({ id: lot.id, kind: lot.kind, name: lot.name, nameEn: lot.nameEn, timeZone: lot.timeZone, approvalBy: lot.kind === 'street' ? 'city' : 'operator' });

export function tariffRoutes(app: App, { pool }: RouteContext, deps: TariffRouteDeps): void {
  const writable: Writable = async (req) => {
    const caller = scopeOf(req);
    requireWriter(caller);
    return lotFor(pool, caller, req.params.lotId);
  };

  app.get('/lots/:lotId/tariffs', {
    config: { roles: READ },
    schema: { tags, summary: "A lot's tariff versions, newest first, each with its status", params: LotParams, response: { 200: LotVersions, 401: Err, 404: Err } },
  }, async (req) => {
    const lot = await lotFor(pool, scopeOf(req), req.params.lotId);
    return { lot: lotView(lot), versions: await listVersions(pool, lot) };
  });

  app.post('/lots/:lotId/tariffs', {
    config: { roles: ADMIN },
    schema: { tags, summary: 'Write a new draft version of the lot\'s tariff', params: LotParams, body: TariffDraft, response: { 201: TariffVersion, 400: Err, 401: Err, 403: Err, 404: Err } },
  }, async (req, reply) => {
    const lot = await writable(req);
    reply.code(201);
    return withTx(pool, (c) => createDraft(c, lot, req.body as DraftBody, req.operator?.accountId ?? null));
  });

  app.put('/lots/:lotId/tariffs/:version', {
    config: { roles: ADMIN },
    schema: { tags, summary: 'Rewrite a version not yet in force (it becomes a draft again)', params: VersionParams, body: TariffDraft, response: { 200: TariffVersion, 400: Err, 401: Err, 403: Err, 404: Err, 409: Err } },
  }, async (req) => {
    const lot = await writable(req);
    const v = await withTx(pool, (c) => updateDraft(c, lot, req.params.version, req.body as DraftBody, req.operator?.accountId ?? null));
    await deps.reload();
    return v;
  });

  app.delete('/lots/:lotId/tariffs/:version', {
    config: { roles: ADMIN },
    schema: { tags, summary: 'Delete a version not yet in force', params: VersionParams, response: { 204: Type.Null(), 401: Err, 403: Err, 404: Err, 409: Err } },
  }, async (req, reply) => {
    const lot = await writable(req);
    await withTx(pool, (c) => deleteDraft(c, lot, req.params.version, req.operator?.accountId ?? null));
    await deps.reload();
    return reply.code(204).send(null);
  });

  app.post('/lots/:lotId/tariffs/validate', {
    config: { roles: READ },
    schema: { tags, summary: 'Check a draft: the schema and the rules a schema cannot say (400 names what to fix)', params: LotParams, body: TariffDraft, response: { 200: Type.Object({ ok: Type.Literal(true), description: TariffPreview.properties.description }), 400: Err, 401: Err, 404: Err } },
  }, async (req) => {
    const lot = await lotFor(pool, scopeOf(req), req.params.lotId);
    const t = tariffFromDraft(lot, 1, req.body as DraftBody, req.body.validFrom ?? new Date().toISOString());
    return { ok: true as const, description: { zh: describeTariff(t, 'zh'), en: describeTariff(t, 'en') } };
  });

  app.post('/lots/:lotId/tariffs/preview', {
    config: { roles: READ },
    schema: { tags, summary: 'What typical stays (and stays of your own) would cost under a draft, explained as the driver will see it', params: LotParams, body: PreviewBody, response: { 200: TariffPreview, 400: Err, 401: Err, 404: Err } },
  }, async (req) => {
    const lot = await lotFor(pool, scopeOf(req), req.params.lotId);
    const now = new Date();
    const t = tariffFromDraft(lot, 1, req.body.tariff as DraftBody, req.body.tariff.validFrom ?? now.toISOString());
    const stays = (req.body.stays ?? []).map((s) => ({ entry: new Date(s.entry), exit: new Date(s.exit), plateKind: s.plateKind }));
    if (stays.some((s) => s.exit < s.entry)) throw new OneLotError('ONELOT_ERR_VALIDATION', 'a stay\'s exit is before its entry; swap them');
    return {
      tariff: t, description: { zh: describeTariff(t, 'zh'), en: describeTariff(t, 'en') },
      examples: priceStays(t, typicalStays(t, new Date(Math.max(now.getTime(), Date.parse(t.validFrom))))),
      stays: priceStays(t, stays),
    };
  });

  scheduleRoutes(app, pool, deps, writable);
}

type Writable = (req: FastifyRequest & { params: { lotId: string } }) => Promise<LotRef>;

/** Scheduling, and the city's approval of street versions. */
function scheduleRoutes(app: App, pool: RouteContext['pool'], deps: TariffRouteDeps, writable: Writable): void {
  app.post('/lots/:lotId/tariffs/:version/schedule', {
    config: { roles: ADMIN },
    schema: {
      tags, summary: 'Schedule a version from a future instant: a garage\'s is approved at once, a street lot\'s waits for the city',
      params: VersionParams, body: ScheduleBody, response: { 200: TariffVersion, 400: Err, 401: Err, 403: Err, 404: Err, 409: Err },
    },
  }, async (req) => {
    const lot = await writable(req);
    const v = await withTx(pool, (c) => scheduleVersion(c, lot, req.params.version, req.body.effectiveFrom, req.operator?.accountId ?? null));
    await deps.reload();
    req.log.info({ operator: req.operator?.accountId, lot: lot.id, version: v.version, status: v.status, validFrom: v.validFrom }, 'tariff version scheduled');
    return v;
  });

  app.get('/tariff-approvals', {
    config: { roles: CITY },
    schema: { tags, summary: 'Street tariff versions waiting for the city\'s approval (city role)', response: { 200: PendingApprovals, 401: Err, 403: Err } },
  }, async (req) => {
    requireCity(scopeOf(req));
    const versions = await pendingApprovals(pool);
    return { versions: versions.map((v) => ({ ...v, description: { zh: describeTariff(v.tariff, 'zh'), en: describeTariff(v.tariff, 'en') } })) };
  });

  for (const [action, approve] of [['approve', true], ['reject', false]] as const) {
    app.post(`/lots/:lotId/tariffs/:version/${action}`, {
      config: { roles: CITY },
      schema: {
        tags, summary: approve ? 'Approve a pending street tariff version (city role): it takes effect at its validFrom' : 'Reject a pending street tariff version, with the reason (city role)',
        params: VersionParams, ...(approve ? {} : { body: RejectBody }), response: { 200: TariffVersion, 400: Err, 401: Err, 403: Err, 404: Err, 409: Err },
      },
    }, async (req) => {
      const caller = scopeOf(req);
      requireCity(caller);
      const lot = await lotFor(pool, caller, req.params.lotId);
      const reason = (req.body as { reason?: string } | undefined)?.reason;
      const v = await withTx(pool, (c) => decideVersion(c, lot, req.params.version, { approve, reason, by: req.operator?.accountId ?? 'city' }));
      await deps.reload();
      req.log.info({ operator: req.operator?.accountId, lot: lot.id, version: v.version, action }, 'tariff version decided');
      return v;
    });
  }
}
