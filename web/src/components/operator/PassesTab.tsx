// Monthly passes (paid at the counter, issued here) and free lists (staff, residents, emergency
// vehicles) for one lot or all of the operator's lots; a stay one covers gets a zero invoice
// naming it. Listed newest first, each revocable.
import { useCallback, useState } from 'react';
import { createPass, fetchPasses, revokePass } from '../../api.ts';
import { formatClock } from '../../format.ts';
import { formatFen } from '../../money.ts';
import { operatorFailure, useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { useI18n, type StringKey } from '../../i18n.ts';
import { Notice } from '../Notice.tsx';
import type { SectionProps } from './console.ts';
import { LotSelect } from './TariffsTab.tsx';
import { PassForm } from './PassForm.tsx';

export function PassesTab({ token, onExpired, lots, lotName }: SectionProps) {
  const { t, lang } = useI18n();
  const [lotId, setLotId] = useState('');
  const load = useCallback((signal: AbortSignal) => fetchPasses(token, lotId || null, signal), [token, lotId]);
  const { data, error, loading, reload } = useOperatorQuery(load, onExpired);
  const [actionError, setActionError] = useState<string | null>(null);
  const onError = (err: unknown) => setActionError(operatorFailure(err, onExpired));
  return (
    <div className="op-section">
      <section className="card" data-testid="passes" aria-busy={loading}>
        <h2>{t('psTitle')}</h2>
        <p className="muted">{t('psCounter')}</p>
        <LotSelect lots={lots} value={lotId} onChange={setLotId} allLabel={t('psAllLots')} />
        <PassForm lotId={lotId} onSubmit={(body) => createPass(token, body).then(() => { setActionError(null); void reload(); }, onError)} />
        {actionError && <p className="note" data-testid="pass-error">{actionError}</p>}
      </section>
      {error && <Notice message={error} onRetry={() => void reload()} />}
      {data && !data.passes.length && <p className="muted">{t('psNone')}</p>}
      {data && data.passes.length > 0 && (
        <ul className="rows card" data-testid="pass-list">
          {data.passes.map((p) => (
            <li className="row row--wrap" key={p.id} data-testid={`pass-${p.id}`}>
              <div className="row__main">
                <strong>#{p.id} {t(`psKind_${p.kind}` as StringKey)} · {p.name}</strong>
                <span className="muted"> {p.lotId ? lotName(p.lotId) : t('psAllLots')}</span>
                <p>{p.plates.join('，')}</p>
                <span className="muted">{formatClock(p.validFrom, lang)} – {formatClock(p.validTo, lang)}{p.priceFen !== null ? ` · ${formatFen(p.priceFen)}` : ''}</span>
              </div>
              <div className="row__end">
                {p.revokedAt ? <span className="chip chip--bad">{t('psRevoked')}</span>
                  : <button type="button" className="btn btn--small" onClick={() => revokePass(token, p.id).then(() => void reload(), onError)}>{t('psRevoke')}</button>}
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
