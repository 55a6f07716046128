// Device health: unresolved alerts per lot, then the alerts themselves (newest first), each
// acknowledged ("someone is on it") or resolved with a note. The city's team reads only; the API
// says so (403) if it tries. Alerts clear by themselves when the device recovers.
import { useCallback, useState } from 'react';
import { actOnAlert, fetchAlertCounts, fetchAlerts } from '../../api.ts';
import { operatorFailure, useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { useI18n, type StringKey } from '../../i18n.ts';
import { formatLocalTime } from '../../format.ts';
import { alertFigureText, deviceKindText } from '../../server-texts.ts';
import type { AlertKind, DeviceAlert } from '../../types.ts';
import { Field } from '../Field.tsx';
import { Notice } from '../Notice.tsx';
import type { SectionProps } from './console.ts';

const KIND: Record<AlertKind, StringKey> = { silent: 'opAlertSilent', 'low-battery': 'opAlertLowBattery', stuck: 'opAlertStuck', 'low-confidence': 'opAlertLowConfidence', 'ev-misuse': 'opAlertEvMisuse' };

export function AlertsTab({ token, onExpired, lotName, onAlertsChanged }: SectionProps) {
  const { t } = useI18n();
  const [status, setStatus] = useState<'active' | 'resolved'>('active');
  const [lotId, setLotId] = useState<string | null>(null);
  const loadCounts = useCallback((signal: AbortSignal) => fetchAlertCounts(token, signal), [token]);
  const counts = useOperatorQuery(loadCounts, onExpired);
  const loadAlerts = useCallback((signal: AbortSignal) => fetchAlerts(token, { status, lotId }, signal), [token, status, lotId]);
  const alerts = useOperatorQuery(loadAlerts, onExpired);
  const changed = () => { void counts.reload(); void alerts.reload(); onAlertsChanged?.(); };

  return (
    <div className="op-section">
      {(counts.error || alerts.error) && <Notice message={t('loadFailed', { msg: counts.error ?? alerts.error ?? '' })} onRetry={changed} />}
      <section className="card" data-testid="alert-lots" aria-busy={counts.loading}>
        <div className="card__head">
          <h2>{t('opAlertLots')} {counts.data && <span className="count-chip">{t('opCount', { n: counts.data.open + counts.data.acknowledged })}</span>}</h2>
          <button type="button" className="btn btn--small" onClick={changed} data-testid="alerts-refresh">{t('opRefresh')}</button>
        </div>
        {counts.data && counts.data.byLot.length === 0 && <p className="muted">{t('opNoAlerts')}</p>}
        <ul className="alert-lots">
          {counts.data?.byLot.map((l) => (
            <li key={l.lotId}>
              <button type="button" className={`linklike${lotId === l.lotId ? ' is-active' : ''}`} onClick={() => setLotId(lotId === l.lotId ? null : l.lotId)} data-testid={`alert-lot-${l.lotId}`}>
                {lotName(l.lotId)}
              </button>{' '}
              <span className="count-chip">{t('opAlertOpenN', { n: l.open })}</span>{l.acknowledged > 0 && <span className="muted"> · {t('opAlertAckedN', { n: l.acknowledged })}</span>}
            </li>
          ))}
        </ul>
      </section>
      <section className="card" data-testid="alert-list" aria-busy={alerts.loading}>
        <div className="card__head">
          <h2>{lotId ? lotName(lotId) : t('opAlertAll')}</h2>
          <select className="input input--small" value={status} onChange={(e) => setStatus(e.target.value as 'active' | 'resolved')} aria-label={t('opAlertStatus')} data-testid="alert-status">
            <option value="active">{t('opAlertActive')}</option>
            <option value="resolved">{t('opAlertResolved')}</option>
          </select>
        </div>
        {alerts.data && alerts.data.alerts.length === 0 && <p className="muted">{t('opNoAlerts')}</p>}
        <ul className="alert-items">
          {alerts.data?.alerts.map((a) => <AlertItem key={a.id} alert={a} token={token} onExpired={onExpired} onChanged={changed} lotName={lotName} />)}
        </ul>
      </section>
    </div>
  );
}

function AlertItem({ alert: a, token, onExpired, onChanged, lotName }: { alert: DeviceAlert; token: string; onExpired: () => void; onChanged: () => void; lotName: (id: string) => string }) {
  const { t, lang } = useI18n();
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const act = async (action: 'acknowledge' | 'resolve') => {
    setError(null);
    try {
      await actOnAlert(token, a.id, action, note.trim() || t(action === 'acknowledge' ? 'opAlertAcknowledge' : 'opAlertResolve'));
      onChanged();
    } catch (err) {
      setError(operatorFailure(err, onExpired));
    }
  };
  return (
    <li className="alert-item" data-testid={`alert-${a.id}`}>
      <strong>{t(KIND[a.kind])}</strong> · {a.deviceId} ({deviceKindText(a.deviceKind, lang)}) · {a.lotId ? lotName(a.lotId) : '—'}
      <div className="muted">
        {t('opAlertOpened')} {formatLocalTime(a.openedAt)} · {Object.entries(a.details).map(([k, v]) => alertFigureText(k, v, lang)).join(' · ')}
        {a.note && <> · {a.note}</>}
      </div>
      {a.status !== 'resolved' && (
        <div className="resolve">
          <Field label={t('opNote')} id={`alert-note-${a.id}`}>
            {(control) => <input {...control} className="input input--small" value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} data-testid="alert-note" />}
          </Field>
          <div className="resolve__actions">
            {a.status === 'open' && <button type="button" className="btn btn--small" onClick={() => void act('acknowledge')} data-testid="alert-acknowledge">{t('opAlertAcknowledge')}</button>}
            <button type="button" className="btn btn--small btn--primary" onClick={() => void act('resolve')} data-testid="alert-resolve">{t('opAlertResolve')}</button>
          </div>
          {error && <Notice message={error} />}
        </div>
      )}
    </li>
  );
}
