// A list the server answers a page at a time (keyset: `next` is what to pass as `after`): the first
// page loads like any console read (useOperatorQuery), "more" appends the next one. A big operator
// has 75,000 devices; the console never asks for them all, and never renders them all.
import { useCallback, useState } from 'react';
import { operatorFailure, useOperatorQuery } from './useOperatorQuery.ts';

export interface Page<T> { items: T[]; next: string | null }

export function usePagedOperatorQuery<T>(loadPage: (after: string | null, signal?: AbortSignal) => Promise<Page<T>>, onExpired: () => void) {
  const loadFirst = useCallback((signal: AbortSignal) => loadPage(null, signal), [loadPage]);
  const first = useOperatorQuery(loadFirst, onExpired);
  // Pages after the first belong to the first page they followed: a reload or a new search drops them.
  const [more, setMore] = useState<{ after: Page<T>; items: T[]; next: string | null } | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const extra = more && first.data && more.after === first.data ? more : null;
  const items = first.data ? [...first.data.items, ...(extra?.items ?? [])] : null;
  const next = extra ? extra.next : first.data?.next ?? null;

  const loadMore = useCallback(async () => {
    const base = first.data;
    if (!base || !next) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const page = await loadPage(next);
      setMore((m) => ({ after: base, items: [...(m && m.after === base ? m.items : []), ...page.items], next: page.next }));
    } catch (err) {
      setMoreError(operatorFailure(err, onExpired));
    } finally {
      setLoadingMore(false);
    }
  }, [first.data, next, loadPage, onExpired]);

  return { items, next, loading: first.loading, error: first.error ?? moreError, reload: first.reload, loadMore, loadingMore };
}
