// A lot's bays: the bulk-add forms, and each bay with its flags (accessible, EV charging: a tick
// saves at once), the devices watching it, and retiring it.
import { useCallback } from 'react';
import { fetchLotBays, retireBay, updateBay } from '../../api.ts';
import { usePagedOperatorQuery } from '../../hooks/usePagedOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import type { OperatorBay, OperatorLot } from '../../types.ts';
import type { StringKey } from '../../i18n.ts';
import { Notice } from '../Notice.tsx';
import { BayAddForms } from './BayAddForms.tsx';
import { ConfirmButton } from './ConfirmButton.tsx';

interface Props { token: string; onExpired: () => void; lot: OperatorLot; canEdit: boolean }

const stateKey = (o: boolean | null): StringKey => (o === null ? 'bayUnknown' : o ? 'bayOccupied' : 'bayFree');

/** The bay's state, the evidence it rests on, and what is in doubt; each source's last word on hover. */
function Belief({ bay }: { bay: OperatorBay }) {
  const { t } = useI18n();
  const e = bay.evidence;
  const words = [e.sensor, e.camera].filter((w) => w !== null)
    .map((w) => t('esSourceWord', { device: w.deviceId, state: t(stateKey(w.occupied)), at: new Date(w.at).toLocaleTimeString() }));
  return (
    <span title={words.join('\n')} data-testid={`bay-belief-${bay.code}`}>
      {t(stateKey(bay.occupied))} · {t(`basis_${e.basis.replace('+', '_')}` as StringKey)}
      {e.doubt && <span className={e.doubt === 'camera-pending' ? 'muted' : 'warn'}> · {t(`doubt_${e.doubt.replaceAll('-', '_')}` as StringKey)}</span>}
    </span>
  );
}

function BayRow({ bay, token, onChanged, canEdit }: { bay: OperatorBay; token: string; onChanged: () => void; canEdit: boolean }) {
  const { t } = useI18n();
  const set = (patch: { accessible?: boolean; evCharging?: boolean }) => void updateBay(token, bay.code, patch).then(onChanged, onChanged);
  const live = !bay.retiredAt && canEdit;
  return (
    <tr data-testid={`bay-${bay.code}`}>
      <td>{bay.code}</td>
      <td><input type="checkbox" aria-label={`${bay.code} ${t('esAccessible')}`} checked={bay.accessible} disabled={!live} onChange={(e) => set({ accessible: e.target.checked })} /></td>
      <td><input type="checkbox" aria-label={`${bay.code} ${t('esEv')}`} checked={bay.evCharging} disabled={!live} onChange={(e) => set({ evCharging: e.target.checked })} /></td>
      <td className="small">{bay.devices.join(' ')}</td>
      <td className="small"><Belief bay={bay} /></td>
      <td>{live ? <ConfirmButton label={t('esRetire')} question={t('esRetireBayConfirm', { id: bay.code })} testId={`bay-retire-${bay.code}`} onConfirm={async () => { await retireBay(token, bay.code); onChanged(); }} /> : bay.retiredAt ? t('esRetired') : null}</td>
    </tr>
  );
}

export function BaysPanel({ token, onExpired, lot, canEdit }: Props) {
  const { t } = useI18n();
  // A page at a time (500): a big garage has 2,000 bays, each a row of controls.
  const load = useCallback((after: string | null, signal?: AbortSignal) => fetchLotBays(token, lot.id, after, signal).then((r) => ({ items: r.bays, next: r.next })), [token, lot.id]);
  const bays = usePagedOperatorQuery(load, onExpired);
  const reload = () => void bays.reload();
  return (
    <section className="card" data-testid="bays-panel">
      <h2>{t('esBaysTitle')}</h2>
      {canEdit && <BayAddForms token={token} onExpired={onExpired} lotId={lot.id} onAdded={reload} />}
      {bays.error && <Notice message={bays.error} onRetry={reload} />}
      {bays.items && bays.items.length === 0 && <p className="muted">{t('esNoBays')}</p>}
      {bays.items && bays.items.length > 0 && (
        <div className="table-wrap">
          <table className="data-table data-table--compact" data-testid="bays-table">
            <thead><tr><th scope="col">{t('esColCode')}</th><th scope="col">{t('esAccessible')}</th><th scope="col">{t('esEv')}</th><th scope="col">{t('esColDevices')}</th><th scope="col">{t('esColBelief')}</th><th scope="col" /></tr></thead>
            <tbody>{bays.items.map((b) => <BayRow key={b.code} bay={b} token={token} onChanged={reload} canEdit={canEdit} />)}</tbody>
          </table>
          <p className="row row--wrap small muted">
            <span data-testid="bay-count">{t('esShown', { n: bays.items.length })}</span>
            {bays.next && <button type="button" className="btn btn--small" onClick={() => void bays.loadMore()} disabled={bays.loadingMore} data-testid="bay-more">{t('esShowMore')}</button>}
          </p>
        </div>
      )}
    </section>
  );
}
