// One lot in the console's tariff tab: its versions, and the composer for a new version (from the
// one in force, or a template) or for a version not yet in force.
import { useCallback, useState } from 'react';
import { fetchTariffVersions } from '../../../api.ts';
import { useOperatorQuery } from '../../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../../i18n.ts';
import type { TariffDraft } from '../../../types.ts';
import { Notice } from '../../Notice.tsx';
import { draftOf, templateDraft } from './draft.ts';
import { TariffComposer } from './TariffComposer.tsx';
import { VersionList } from './VersionList.tsx';

interface Editing { draft: TariffDraft; version?: number; key: number }

export function LotTariffs({ token, lotId, onExpired }: { token: string; lotId: string; onExpired: () => void }) {
  const { t } = useI18n();
  const load = useCallback((signal: AbortSignal) => fetchTariffVersions(token, lotId, signal), [token, lotId]);
  const { data, error, reload } = useOperatorQuery(load, onExpired);
  const [editing, setEditing] = useState<Editing | null>(null);
  if (error) return <Notice message={error} onRetry={() => void reload()} />;
  if (!data) return <p className="muted">{t('loading')}</p>;
  const inForce = data.versions.find((v) => v.status === 'in-force');
  const open = (draft: TariffDraft, version?: number) => setEditing({ draft, version, key: Date.now() });
  return (
    <>
      <section className="card" data-testid="lot-tariffs">
        <div className="card__head">
          <h2>{t('tfVersions')}</h2>
          <button type="button" className="btn btn--primary btn--small" data-testid="tariff-new"
            onClick={() => open(inForce ? draftOf(inForce) : templateDraft(data.lot.timeZone))}>
            {t('tfNew')}
          </button>
        </div>
        <p className="muted">{t(data.lot.approvalBy === 'city' ? 'tfApprovalByCity' : 'tfApprovalByOperator')}</p>
        <VersionList
          token={token} lotId={lotId} timeZone={data.lot.timeZone} versions={data.versions} onExpired={onExpired}
          onEdit={(v) => open(draftOf(v), v.version)} onCopy={(v) => open(draftOf(v))} onChanged={() => void reload()}
        />
      </section>
      {editing && (
        <TariffComposer
          key={editing.key} token={token} lotId={lotId} initial={editing.draft} version={editing.version} onExpired={onExpired}
          onCancel={() => setEditing(null)} onSaved={() => { setEditing(null); void reload(); }}
        />
      )}
    </>
  );
}
