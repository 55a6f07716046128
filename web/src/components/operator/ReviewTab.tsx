// The review queue: sessions an operator must decide on (low-confidence reads, double entries, bay
// handovers…) and the unresolved exceptions, each resolvable here; the list re-reads after each.
import { useCallback, useMemo, useState } from 'react';
import { fetchReviewQueue } from '../../api.ts';
import { useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import { exceptionActions } from '../../review.ts';
import { Notice } from '../Notice.tsx';
import type { SectionProps } from './console.ts';
import { ExceptionItem } from './ExceptionItem.tsx';
import { RESOLVE_ACTION } from './labels.ts';
import { ReviewSessionsTable } from './ReviewSessionsTable.tsx';

export const REVIEW_LIMIT = 200;

export function ReviewTab({ token, onExpired, lotName }: SectionProps) {
  const { t } = useI18n();
  const load = useCallback((signal: AbortSignal) => fetchReviewQueue(token, REVIEW_LIMIT, signal), [token]);
  const queue = useOperatorQuery(load, onExpired);
  const [resolved, setResolved] = useState<number | null>(null);
  const inReview = useMemo(() => new Set(queue.data?.sessions.map((s) => s.id)), [queue.data]);

  const onResolved = (id: number) => {
    setResolved(id);
    void queue.reload();
  };

  return (
    <div className="op-section">
      {queue.error && <Notice message={t('loadFailed', { msg: queue.error })} onRetry={() => void queue.reload()} />}
      <section className="card" data-testid="review-sessions" aria-busy={queue.loading}>
        <div className="card__head">
          <h2>
            {t('opReviewSessions')} {queue.data && <span className="count-chip">{t('opCount', { n: queue.data.sessions.length })}</span>}
          </h2>
          <button type="button" className="btn btn--small" onClick={() => void queue.reload()} disabled={queue.loading} data-testid="review-refresh">
            {t('opRefresh')}
          </button>
        </div>
        {!queue.data ? (
          <p className="muted">{t('loading')}</p>
        ) : queue.data.sessions.length === 0 ? (
          <p className="muted">{t('opNoReviewSessions')}</p>
        ) : (
          <ReviewSessionsTable sessions={queue.data.sessions} lotName={lotName} />
        )}
      </section>
      <section className="card" data-testid="review-exceptions">
        <div className="card__head">
          <h2>
            {t('opExceptions')} {queue.data && <span className="count-chip">{t('opCount', { n: queue.data.exceptions.length })}</span>}
          </h2>
        </div>
        <dl className="legend-list">
          {(['approve', 'void', 'dismiss'] as const).map((a) => (
            <div key={a}>
              <dt>{t(RESOLVE_ACTION[a].label)}</dt>
              <dd>{t(RESOLVE_ACTION[a].help)}</dd>
            </div>
          ))}
        </dl>
        {resolved !== null && (
          <p className="pay-msg pay-msg--ok" role="status" data-testid="resolve-done">
            {t('opResolved', { id: resolved })}
          </p>
        )}
        {!queue.data ? (
          <p className="muted">{t('loading')}</p>
        ) : queue.data.exceptions.length === 0 ? (
          <p className="muted">{t('opNoExceptions')}</p>
        ) : (
          <ul className="rows">
            {queue.data.exceptions.map((ex) => (
              <ExceptionItem
                key={ex.id}
                exception={ex}
                lotName={lotName(ex.lotId)}
                actions={exceptionActions(ex, inReview)}
                token={token}
                onExpired={onExpired}
                onResolved={onResolved}
              />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
