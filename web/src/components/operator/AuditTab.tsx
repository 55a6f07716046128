// The audit log, read-only (nothing in the console or the API can change it): an admin its own
// operator's entries, the city every operator's. Filtered (AuditFilters), a page of PAGE entries at
// a time, newest first; times in the operator's zone; before/after as the fields that changed.
import { useCallback, useState } from 'react';
import { fetchAccounts, fetchAudit, fetchOperators } from '../../accounts-api.ts';
import { auditRange } from '../../audit.ts';
import { formatLocalTime, LOT_TIME_ZONE } from '../../format.ts';
import { useOperatorQuery } from '../../hooks/useOperatorQuery.ts';
import { useI18n } from '../../i18n.ts';
import type { AuditEntry } from '../../types.ts';
import { Notice } from '../Notice.tsx';
import { AuditDiff } from './AuditDiff.tsx';
import { AuditFilters, NO_FILTER, type AuditFilter } from './AuditFilters.tsx';
import type { SectionProps } from './console.ts';
import { ACTION_LABEL } from './labels.ts';

const PAGE = 50;

function AuditRow({ e, city }: { e: AuditEntry; city: boolean }) {
  const { t } = useI18n();
  const label = ACTION_LABEL[e.action];
  return (
    <tr data-testid="audit-row" data-action={e.action} data-object-id={e.objectId ?? ''}>
      <td className="nowrap" data-label={t('auColAt')}>{formatLocalTime(e.at)}</td>
      <td data-label={t('auAccount')}>{e.accountId ?? <span className="muted">{t('auSystem')}</span>}</td>
      <td data-label={t('auAction')}>{label ? <>{t(label)} <span className="muted small">{e.action}</span></> : e.action}</td>
      <td data-label={t('auColObject')}>{e.objectType ? `${e.objectType} ${e.objectId ?? ''}` : '—'}</td>
      {city && <td data-label={t('auOperator')}>{e.operatorId ?? '—'}</td>}
      <td data-label={t('auColChanges')}><AuditDiff before={e.before} after={e.after} /></td>
    </tr>
  );
}

export function AuditTab({ token, role, onExpired }: SectionProps) {
  const { t } = useI18n();
  const city = role === 'city';
  const [filter, setFilter] = useState<AuditFilter>(NO_FILTER);
  const [page, setPage] = useState(0);
  const load = useCallback((signal: AbortSignal) => fetchAudit(token, {
    action: filter.action || undefined, accountId: filter.accountId || undefined, objectType: filter.objectType || undefined,
    objectId: filter.objectId || undefined, operatorId: (city && filter.operatorId) || undefined, ...auditRange(filter.fromDay, filter.toDay),
    // One more than a page: whether there is a next one.
    limit: PAGE + 1, offset: page * PAGE,
  }, signal), [token, filter, page, city]);
  const { data, error, loading, reload } = useOperatorQuery(load, onExpired);
  const loadAccounts = useCallback((signal: AbortSignal) => fetchAccounts(token, signal), [token]);
  const accounts = useOperatorQuery(loadAccounts, onExpired).data?.accounts ?? [];
  const loadOperators = useCallback((signal: AbortSignal) => (city ? fetchOperators(token, signal) : Promise.resolve(null)), [token, city]);
  const operators = useOperatorQuery(loadOperators, onExpired).data?.operators ?? null;
  const entries = data?.entries.slice(0, PAGE) ?? [];
  const hasNext = (data?.entries.length ?? 0) > PAGE;
  return (
    <div className="op-section">
      <section className="card" data-testid="audit" data-loading={loading}>
        <h2>{t('auTitle')}</h2>
        <p className="muted">{t('auIntro', { zone: LOT_TIME_ZONE })}</p>
        <AuditFilters value={filter} accounts={accounts} operators={operators} onApply={(f) => { setFilter(f); setPage(0); }} />
      </section>
      {error && <Notice message={error} onRetry={() => void reload()} />}
      <section className="card">
        {data && !entries.length && <p className="muted" data-testid="audit-none">{t('auNone')}</p>}
        {entries.length > 0 && (
          <div className="table-wrap">
            <table className="data-table stack-table" data-testid="audit-table">
              <thead>
                <tr>
                  <th scope="col">{t('auColAt')}</th>
                  <th scope="col">{t('auAccount')}</th>
                  <th scope="col">{t('auAction')}</th>
                  <th scope="col">{t('auColObject')}</th>
                  {city && <th scope="col">{t('auOperator')}</th>}
                  <th scope="col">{t('auColChanges')}</th>
                </tr>
              </thead>
              <tbody>{entries.map((e) => <AuditRow key={e.id} e={e} city={city} />)}</tbody>
            </table>
          </div>
        )}
        <div className="pager">
          <button type="button" className="btn btn--small" disabled={page === 0} onClick={() => setPage((p) => p - 1)} data-testid="audit-prev">{t('auPrev')}</button>
          <span data-testid="audit-page">{t('auPage', { n: page + 1 })}</span>
          <button type="button" className="btn btn--small" disabled={!hasNext} onClick={() => setPage((p) => p + 1)} data-testid="audit-next">{t('auNext')}</button>
        </div>
      </section>
    </div>
  );
}
