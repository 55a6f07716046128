// Price steps that keep a space free (issue 15 §2): the city's target band and step rules (the
// city edits them), then each lot's recommended step with its evidence — occupancy by hour, the
// step per band, earlier steps and what they did — accepted (a new tariff version from next Monday;
// a street lot's goes to the city's approvals in Tariffs) or rejected with a reason by the admin.
import { useCallback, useState } from 'react';
import { decidePriceRecommendation, fetchPriceRecommendations, fetchPricingPolicy, runPriceRecommendations, savePricingPolicy } from '../../api.ts';
import { formatClock, formatPercent } from '../../format.ts';
import { operatorFailure, useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { useI18n, type StringKey } from '../../i18n.ts';
import { formatFen, parseYuan } from '../../money.ts';
import type { PriceRecommendation, PricingPolicy, PricingPolicyView } from '../../types.ts';
import { BarChart } from './BarChart.tsx';
import type { SectionProps } from './console.ts';
import { Notice } from '../Notice.tsx';

type Status = PriceRecommendation['status'];
const STATUS: Array<[Status, StringKey]> = [['proposed', 'prProposed'], ['accepted', 'prAccepted'], ['rejected', 'prRejected']];
const DIRECTION: Record<PriceRecommendation['steps'][number]['direction'], StringKey> = { up: 'prUp', down: 'prDown', hold: 'prHold' };
const reasonKey = (r: string) => `prReason_${r.replace(/-/g, '_')}` as StringKey;
const perHour = (fen: number | null) => (fen === null ? '—' : formatFen(fen));

export function PricingTab({ token, onExpired, role }: SectionProps) {
  const { t } = useI18n();
  const [status, setStatus] = useState<Status>('proposed');
  const [ran, setRan] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loadPolicy = useCallback((signal: AbortSignal) => fetchPricingPolicy(token, signal), [token]);
  const policy = useOperatorQuery(loadPolicy, onExpired);
  const loadRecs = useCallback((signal: AbortSignal) => fetchPriceRecommendations(token, status, signal), [token, status]);
  const recs = useOperatorQuery(loadRecs, onExpired);
  const run = async () => {
    setError(null);
    try {
      const r = await runPriceRecommendations(token);
      setRan(t('prRunDone', r));
      void recs.reload();
    } catch (err) {
      setError(operatorFailure(err, onExpired));
    }
  };
  return (
    <div className="op-section" data-testid="pricing">
      {policy.data && <PolicyCard policy={policy.data} token={token} editable={role === 'city'} onExpired={onExpired} onSaved={() => void policy.reload()} />}
      <section className="card" data-testid="price-recommendations" aria-busy={recs.loading}>
        <div className="card__head">
          <h2>{t('opTabPricing')}</h2>
          <select className="input input--small" value={status} onChange={(e) => setStatus(e.target.value as Status)} aria-label={t('prStatus')} data-testid="pricing-status">
            {STATUS.map(([s, k]) => <option key={s} value={s}>{t(k)}</option>)}
          </select>
          {role !== 'staff' && <button type="button" className="btn btn--small" onClick={() => void run()} data-testid="pricing-run">{t('prRun')}</button>}
        </div>
        {ran && <p className="muted small" data-testid="pricing-ran">{ran}</p>}
        {(error || recs.error) && <Notice message={error ?? recs.error ?? ''} />}
        {recs.data && recs.data.recommendations.length === 0 && <p className="muted">{t('prNone')}</p>}
        <ul className="rows">
          {recs.data?.recommendations.map((r) => (
            <RecommendationItem key={r.id} rec={r} token={token} canDecide={role === 'admin'} onExpired={onExpired} onChanged={() => void recs.reload()} />
          ))}
        </ul>
      </section>
    </div>
  );
}

function PolicyCard({ policy, token, editable, onExpired, onSaved }: { policy: PricingPolicyView; token: string; editable: boolean; onExpired: () => void; onSaved: () => void }) {
  const { t } = useI18n();
  const [form, setForm] = useState({
    targetLow: String(Math.round(policy.targetLow * 100)), targetHigh: String(Math.round(policy.targetHigh * 100)),
    step: formatFen(policy.stepFenPerHour).slice(1), floor: formatFen(policy.floorFenPerHour).slice(1), ceiling: formatFen(policy.ceilingFenPerHour).slice(1),
    weeks: String(policy.lookbackWeeks),
  });
  const [message, setMessage] = useState<string | null>(null);
  const save = async () => {
    setMessage(null);
    const fen = (s: string) => parseYuan(s) ?? NaN;
    const body: PricingPolicy = {
      targetLow: Number(form.targetLow) / 100, targetHigh: Number(form.targetHigh) / 100, stepFenPerHour: fen(form.step),
      floorFenPerHour: fen(form.floor), ceilingFenPerHour: fen(form.ceiling), lookbackWeeks: Number(form.weeks),
    };
    try {
      await savePricingPolicy(token, body);
      setMessage(t('prSaved'));
      onSaved();
    } catch (err) {
      setMessage(operatorFailure(err, onExpired));
    }
  };
  const input = (key: keyof typeof form, label: StringKey) => (
    <label className="field" key={key}>
      <span>{t(label)}</span>
      <input className="input input--small" inputMode="decimal" value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} data-testid={`policy-${key}`} />
    </label>
  );
  return (
    <section className="card" data-testid="pricing-policy">
      <h2>{t('prPolicy')}</h2>
      <p><strong>{t('prTarget', { low: formatPercent(policy.targetLow), high: formatPercent(policy.targetHigh) })}</strong></p>
      <p className="muted small">{t('prPolicyLine', { step: formatFen(policy.stepFenPerHour), floor: formatFen(policy.floorFenPerHour), ceiling: formatFen(policy.ceilingFenPerHour), weeks: policy.lookbackWeeks })}</p>
      {editable && (
        <div className="form-row form-row--wrap">
          {input('targetLow', 'prTargetLow')}{input('targetHigh', 'prTargetHigh')}{input('step', 'prStep')}
          {input('floor', 'prFloor')}{input('ceiling', 'prCeiling')}{input('weeks', 'prWeeks')}
          <button type="button" className="btn btn--small btn--primary" onClick={() => void save()} data-testid="policy-save">{t('prSave')}</button>
        </div>
      )}
      {message && <p className="note" data-testid="policy-message">{message}</p>}
    </section>
  );
}

function RecommendationItem({ rec: r, token, canDecide, onExpired, onChanged }: { rec: PriceRecommendation; token: string; canDecide: boolean; onExpired: () => void; onChanged: () => void }) {
  const { t, lang } = useI18n();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const decide = async (why?: string) => {
    setError(null);
    try {
      await decidePriceRecommendation(token, r.id, why);
      onChanged();
    } catch (err) {
      setError(operatorFailure(err, onExpired));
    }
  };
  const byHour = Array.from({ length: 24 }, (_, h) => r.evidence.hourly.find((x) => x.hour === h)?.occupancy ?? null);
  return (
    <li className="row row--wrap" data-testid={`recommendation-${r.lotId}`}>
      <div className="row__main">
        <strong>{lang === 'zh' ? r.lotName : r.lotNameEn}</strong> <span className="muted">({r.lotId})</span>
        <div className="muted small">{t('prFrom', { date: formatClock(r.validFrom, lang) })} · {t(r.approvalBy === 'city' ? 'prNeedsCity' : 'prGarage')}</div>
        <div className="table-wrap">
          <table className="table" data-testid="recommendation-steps">
            <thead><tr><th>{t('prBand')}</th><th>{t('prOccupancy')}</th><th>{t('prPrice')}</th></tr></thead>
            <tbody>
              {r.steps.map((s) => (
                <tr key={s.band} data-testid={`step-${s.band}`}>
                  <td>{lang === 'zh' ? s.bandZh : s.band} <span className="muted small">{s.from}–{s.to}</span></td>
                  <td>{formatPercent(s.occupancy)} <span className="muted small">{t(reasonKey(s.reason))}</span></td>
                  <td>{s.direction === 'hold' ? perHour(s.beforeFenPerHour) : <><strong>{t(DIRECTION[s.direction])}</strong> {perHour(s.beforeFenPerHour)} → {perHour(s.afterFenPerHour)}</>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <BarChart
          title={t('prEvidence', { from: formatClock(r.evidence.from, lang), to: formatClock(r.evidence.to, lang) })}
          categories={byHour.map((_, h) => t('opHour', { h }))}
          series={[{ key: 'occupancy', label: t('prOccupancy'), className: 'bar--occupancy', values: byHour }]}
          format={(v) => formatPercent(v)}
          max={1}
          labelEvery={3}
          categoryHeading={t('opColHour')}
          testId={`evidence-${r.lotId}`}
        />
        <h3 className="small">{t('prEarlier')}</h3>
        {r.evidence.earlier.length === 0 && <p className="muted small">{t('prNoEarlier')}</p>}
        <ul className="small" data-testid="earlier-steps">
          {r.evidence.earlier.flatMap((e) => e.bands.map((b) => (
            <li key={`${e.recommendationId}-${b.band}`}>
              {t('prEarlierLine', {
                date: formatClock(e.validFrom, lang), band: lang === 'zh' ? b.bandZh : b.band, before: perHour(b.beforeFenPerHour), after: perHour(b.afterFenPerHour),
                occBefore: formatPercent(b.occupancyBefore), occAfter: formatPercent(b.occupancyAfter),
              })}
            </li>
          )))}
        </ul>
        {r.tariffVersion !== null && <p className="muted small">{t('prVersion', { version: r.tariffVersion })}</p>}
        {r.reason && <p className="muted small">{t('prRejectReason')}: {r.reason}</p>}
      </div>
      {canDecide && r.status === 'proposed' && (
        <div className="form-row form-row--wrap">
          <button type="button" className="btn btn--small btn--primary" onClick={() => void decide()} data-testid="recommendation-accept">{t('prAccept')}</button>
          <input className="input" aria-label={t('prRejectReason')} placeholder={t('prRejectReason')} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} data-testid="recommendation-reason" />
          <button type="button" className="btn btn--small" disabled={!reason.trim()} onClick={() => void decide(reason.trim())} data-testid="recommendation-reject">{t('prReject')}</button>
        </div>
      )}
      {error && <Notice message={error} />}
    </li>
  );
}
