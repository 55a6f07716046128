// The estate's lots section: the searchable list, and one lot's workspace — its editor (with the
// map), its bays, and retiring it. "New lot" opens an empty editor; once saved, the bays appear.
import { useCallback, useState } from 'react';
import { fetchOperatorLots, retireLot } from '../../api.ts';
import { useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import type { OperatorLot } from '../../types.ts';
import { Notice } from '../Notice.tsx';
import { BaysPanel } from './BaysPanel.tsx';
import type { SectionProps } from './console.ts';
import { ConfirmButton } from './ConfirmButton.tsx';
import { LotEditor } from './LotEditor.tsx';
import { LotList } from './LotList.tsx';

export function LotsTab({ token, onExpired, canEdit }: SectionProps) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const [open, setOpen] = useState<OperatorLot | 'new' | null>(null);
  const load = useCallback((signal: AbortSignal) => fetchOperatorLots(token, q, signal).then((r) => r.lots), [token, q]);
  const lots = useOperatorQuery(load, onExpired);
  const close = () => { setOpen(null); void lots.reload(); };

  if (open) {
    const lot = open === 'new' ? null : open;
    return (
      <div className="estate-stack">
        <button type="button" className="btn btn--small" onClick={close} data-testid="estate-back">{t('esBack')}</button>
        {canEdit && <LotEditor token={token} onExpired={onExpired} lot={lot} onSaved={setOpen} />}
        {lot && <BaysPanel token={token} onExpired={onExpired} lot={lot} canEdit={canEdit && !lot.retiredAt} />}
        {canEdit && lot && !lot.retiredAt && (
          <ConfirmButton label={t('esRetire')} question={t('esRetireLotConfirm', { id: lot.id })} danger testId="lot-retire"
            onConfirm={async () => { await retireLot(token, lot.id); close(); }} />
        )}
      </div>
    );
  }
  return (
    <section className="card" data-testid="estate-lots-section" aria-busy={lots.loading}>
      <div className="card__head">
        <input className="input" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t('esSearchLots')} aria-label={t('esSearchLots')} data-testid="estate-lot-search" />
        {canEdit && <button type="button" className="btn btn--primary" onClick={() => setOpen('new')} data-testid="estate-new-lot">{t('esNewLot')}</button>}
      </div>
      {lots.error && <Notice message={t('loadFailed', { msg: lots.error })} onRetry={() => void lots.reload()} />}
      <LotList lots={lots.data ?? []} onOpen={setOpen} />
    </section>
  );
}
