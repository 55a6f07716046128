// Evidence of a stay to attach to a refund or void: the invoice's candidate device events (its bay's
// sensor and camera events, the gate camera's reads of its plate) with their image references, each
// picked by a checkbox; and the same rows shown read-only beside a refund in its history.
import { useCallback } from 'react';
import { useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { useI18n, type StringKey } from '../../i18n.ts';
import { fetchEvidence } from '../../refunds-api.ts';
import type { EvidenceEvent } from '../../types.ts';
import { formatLocalTime } from '../../format.ts';

/** The device message types (core/protocol.ts) in words. */
const EVENT_TYPE: Record<string, StringKey> = { gate: 'evGate', bay: 'evBay', occupancy: 'evOccupancy' };

/** One event in words: when, which device, what it saw. */
export function EvidenceLine({ e }: { e: EvidenceEvent }) {
  const { t } = useI18n();
  const kind = EVENT_TYPE[e.type];
  const saw = [
    e.direction === 'in' ? t('evIn') : e.direction === 'out' ? t('evOut') : null, e.plate,
    e.occupied === null ? null : t(e.occupied ? 'evOccupied' : 'evFree'), e.confidence === null ? null : e.confidence.toFixed(2),
  ].filter((x) => x !== null).join(' · ');
  return (
    <span className="evidence__line" data-direction={e.direction ?? ''}>
      <span className="muted">{formatLocalTime(e.eventTime)}</span> <code>{e.deviceId}</code> <strong>{kind ? t(kind) : e.type}</strong> {saw}
      {/* A device sent the reference: linked only when it is https (never a script URL), else shown as text. */}
      {e.image && (/^https:\/\//.test(e.image)
        ? <> · <a href={e.image} target="_blank" rel="noreferrer" data-testid="evidence-image">{t('opEvidenceImage')}</a></>
        : <> · {t('opEvidenceImage')} <code data-testid="evidence-image">{e.image}</code></>)}
    </span>
  );
}

interface Props { invoiceId: number; token: string; onExpired: () => void; picked: string[]; onChange: (ids: string[]) => void }

export function EvidencePicker({ invoiceId, token, onExpired, picked, onChange }: Props) {
  const { t } = useI18n();
  const load = useCallback((signal: AbortSignal) => fetchEvidence(token, invoiceId, signal), [token, invoiceId]);
  const events = useOperatorQuery(load, onExpired).data?.events;
  const toggle = (id: string, on: boolean) => onChange(on ? [...picked, id] : picked.filter((x) => x !== id));
  return (
    <fieldset className="evidence" data-testid="evidence-picker">
      <legend>{t('opEvidence')}</legend>
      {!events ? <p className="muted">{t('loading')}</p> : events.length === 0 ? <p className="muted">{t('opEvidenceNone')}</p> : (
        <ul className="evidence__list">
          {events.map((e) => (
            <li key={e.id}>
              <label>
                <input type="checkbox" checked={picked.includes(e.id)} onChange={(ev) => toggle(e.id, ev.target.checked)} data-testid="evidence-pick" /> <EvidenceLine e={e} />
              </label>
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}
