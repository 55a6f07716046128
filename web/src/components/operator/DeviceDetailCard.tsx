// A device's page: what it is and watches, last seen, battery, firmware, its last message, recent
// messages and refused ones (dead letters); rotate its secret (the new one shown once), disable, enable.
import { useCallback, useState } from 'react';
import { deviceAction, fetchDeviceDetail } from '../../api.ts';
import { useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { formatLocalTime } from '../../format.ts';
import { useI18n } from '../../i18n.ts';
import { deviceKindText, messageTypeText, rejectText } from '../../server-texts.ts';
import type { DeviceDetail } from '../../types.ts';
import { Notice } from '../Notice.tsx';
import { ConfirmButton } from './ConfirmButton.tsx';
import { SecretReveal } from './SecretReveal.tsx';

interface Props { token: string; onExpired: () => void; id: string; onChanged: () => void; canEdit: boolean }

/** `type`: in the page's language, or null to show `code` as sent; `hint`: the English specifics, on hover. */
interface MessageRow { time: string; type: string | null; code: string; hint?: string; text: string }

function Messages({ title, rows, testId }: { title: string; rows: MessageRow[]; testId: string }) {
  const { t } = useI18n();
  return (
    <div data-testid={testId}>
      <h3>{title}</h3>
      {rows.length === 0 ? <p className="muted">{t('esNone')}</p> : (
        <ul className="compact-list">{rows.map((r, i) => <li key={i}>
          <span className="small muted">{formatLocalTime(r.time)}</span> <strong title={r.hint}>{r.type ?? <code>{r.code}</code>}</strong> <code className="small">{r.text}</code>
        </li>)}</ul>
      )}
    </div>
  );
}

function Facts({ d }: { d: DeviceDetail }) {
  const { t, lang } = useI18n();
  const watches = d.device.bayCode ?? (d.device.bays.length ? d.device.bays.join(' ') : [d.device.lotId, d.device.lane].filter(Boolean).join(' '));
  return (
    <dl className="details__meta" data-testid="device-facts">
      <dt>{t('esColKind')}</dt><dd>{deviceKindText(d.device.kind, lang)}</dd>
      <dt>{t('esWatches')}</dt><dd>{watches || '—'}</dd>
      <dt>{t('esColStatus')}</dt><dd data-testid="device-status">{d.device.enabled ? t('esEnabled') : t('esDisabled')}</dd>
      <dt>{t('esLastSeen')}</dt><dd>{d.device.lastSeen ? formatLocalTime(d.device.lastSeen) : t('esNever')}</dd>
      <dt>{t('esBattery')}</dt><dd data-testid="device-battery">{d.device.battery === null ? '—' : `${d.device.battery.toFixed(2)} V`}</dd>
      <dt>{t('esFirmware')}</dt><dd data-testid="device-firmware">{d.firmware ?? '—'}</dd>
    </dl>
  );
}

export function DeviceDetailCard({ token, onExpired, id, onChanged, canEdit }: Props) {
  const { t, lang } = useI18n();
  const event = (e: DeviceDetail['events'][number]): MessageRow => ({ time: e.eventTime, type: messageTypeText(e.type, lang), code: e.type, text: JSON.stringify(e.payload) });
  const load = useCallback((signal: AbortSignal) => fetchDeviceDetail(token, id, signal), [token, id]);
  const q = useOperatorQuery(load, onExpired);
  const [secret, setSecret] = useState<string | null>(null);
  const d = q.data;
  const act = async (action: 'disable' | 'enable') => { await deviceAction(token, id, action); await q.reload(); onChanged(); };
  return (
    <section className="card" data-testid="device-detail">
      <h2>{id}</h2>
      {q.error && <Notice message={q.error} onRetry={() => void q.reload()} />}
      {d && <Facts d={d} />}
      {canEdit && <div className="estate-row">
        <ConfirmButton label={t('esRotate')} question={t('esRotateConfirm', { id })} testId="device-rotate" onConfirm={async () => setSecret((await deviceAction(token, id, 'rotate-secret')).secret)} />
        {d && (d.device.enabled
          ? <ConfirmButton label={t('esDisable')} question={`${t('esDisable')} ${id}?`} danger testId="device-disable" onConfirm={() => act('disable')} />
          : <button type="button" className="btn btn--small" onClick={() => void act('enable')} data-testid="device-enable">{t('esEnable')}</button>)}
      </div>}
      {secret && <SecretReveal id={id} secret={secret} />}
      {d && <Messages title={t('esLastMessage')} testId="device-last" rows={d.lastMessage ? [event(d.lastMessage)] : []} />}
      {d && <Messages title={t('esRecentEvents')} testId="device-events" rows={d.events.map(event)} />}
      {d && <Messages title={t('esDeadLetters')} testId="device-dead" rows={d.deadLetters.map((x) => ({ time: x.receivedAt, type: x.code ? rejectText(x.code, lang) : null, code: x.code ?? x.reason, hint: x.reason, text: x.payload }))} />}
    </section>
  );
}
