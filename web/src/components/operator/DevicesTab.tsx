// The estate's devices section: search and list, register one (secret shown once), import a CSV,
// and one device's page.
import { useCallback, useState } from 'react';
import { fetchDevices } from '../../api.ts';
import { usePagedOperatorQuery } from '../../hooks/usePagedOperatorQuery.ts';
import { useDebounced } from '../../hooks/useDebounced.ts';
import { useI18n } from '../../i18n.ts';
import { deviceKindText } from '../../server-texts.ts';
import type { DeviceSecret } from '../../types.ts';
import { Notice } from '../Notice.tsx';
import type { SectionProps } from './console.ts';
import { DeviceDetailCard } from './DeviceDetailCard.tsx';
import { DeviceImportForm } from './DeviceImportForm.tsx';
import { DeviceRegisterForm } from './DeviceRegisterForm.tsx';
import { SecretReveal } from './SecretReveal.tsx';

export function DevicesTab({ token, onExpired, canEdit }: SectionProps) {
  const { t, lang } = useI18n();
  const [q, setQ] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const [registered, setRegistered] = useState<DeviceSecret | null>(null);
  // A page at a time (200): a big operator has 75,000 devices; a search waits for the typing to pause.
  const query = useDebounced(q, 250);
  const load = useCallback((after: string | null, signal?: AbortSignal) => fetchDevices(token, query, after, signal).then((r) => ({ items: r.devices, next: r.next })), [token, query]);
  const devices = usePagedOperatorQuery(load, onExpired);
  const reload = () => void devices.reload();
  return (
    <div className="estate-stack">
      {canEdit && <section className="card">
        <DeviceRegisterForm token={token} onExpired={onExpired} onRegistered={(r) => { setRegistered(r); reload(); }} />
        {registered && <SecretReveal id={registered.device.id} secret={registered.secret} />}
        <DeviceImportForm token={token} onExpired={onExpired} onImported={reload} />
      </section>}
      {open && <DeviceDetailCard key={open} token={token} onExpired={onExpired} id={open} onChanged={reload} canEdit={canEdit} />}
      <section className="card" data-testid="estate-devices" aria-busy={devices.loading || query !== q}>
        <input className="input" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('esSearchDevices')} aria-label={t('esSearchDevices')} data-testid="device-search" />
        {devices.error && <Notice message={devices.error} onRetry={reload} />}
        <ul className="compact-list">
          {(devices.items ?? []).map((d) => (
            <li key={d.id}>
              <button type="button" className="plate-button" onClick={() => setOpen(d.id)} data-testid={`device-${d.id}`}>{d.id}</button>{' '}
              <span className="small muted">{deviceKindText(d.kind, lang)} · {d.bayCode ?? d.lotId ?? ''} · {d.enabled ? t('esEnabled') : t('esDisabled')}</span>
            </li>
          ))}
        </ul>
        {devices.items && (
          <p className="row row--wrap small muted">
            <span data-testid="device-count">{t('esShown', { n: devices.items.length })}</span>
            {devices.next && <button type="button" className="btn btn--small" onClick={() => void devices.loadMore()} disabled={devices.loadingMore} data-testid="device-more">{t('esShowMore')}</button>}
          </p>
        )}
      </section>
    </div>
  );
}
