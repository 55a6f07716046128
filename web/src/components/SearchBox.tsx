// Lot / street search over `GET /api/v1/lots?q=`; picking a result selects the lot and flies to it.
import { useEffect, useState, type KeyboardEvent } from 'react';
import { errorMessage, fetchLots, isAbort } from '../api.ts';
import { districtName, lotName, useI18n } from '../i18n.ts';
import { useDebounced } from '../hooks/useDebounced.ts';
import type { Lot } from '../types.ts';
import { FreeBadge } from './FreeBadge.tsx';

interface Props {
  /** Live lots, so result rows show current counts rather than the search-time snapshot. */
  liveLots: ReadonlyMap<string, Lot>;
  onPick: (lot: Lot) => void;
}

type Result = { q: string; lots: Lot[]; error: null } | { q: string; lots: null; error: string };

const MAX_RESULTS = 20;
const DEBOUNCE_MS = 250;

export function SearchBox({ liveLots, onPick }: Props) {
  const { t, lang } = useI18n();
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);
  const q = useDebounced(query.trim(), DEBOUNCE_MS);
  const [result, setResult] = useState<Result | null>(null);

  useEffect(() => {
    if (!q) return;
    const ac = new AbortController();
    fetchLots({ q, limit: MAX_RESULTS }, ac.signal)
      .then(({ lots }) => setResult({ q, lots: lots.slice(0, MAX_RESULTS), error: null }))
      .catch((err: unknown) => {
        if (!isAbort(err)) setResult({ q, lots: null, error: errorMessage(err) });
      });
    return () => ac.abort();
  }, [q]);

  const typed = query.trim();
  const current = result && result.q === typed ? result : null;
  const pick = (lot: Lot) => {
    onPick(lot);
    setOpen(false);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Escape') setOpen(false);
    if (e.key === 'Enter') {
      e.preventDefault();
      const first = current?.lots?.[0];
      if (first) pick(first);
    }
  };

  return (
    <div className="search" role="search">
      <input
        type="search"
        className="search__input"
        data-testid="search-input"
        value={query}
        placeholder={t('searchPlaceholder')}
        aria-label={t('searchLabel')}
        autoComplete="off"
        enterKeyHint="search"
        onChange={(e) => {
          setQuery(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={onKeyDown}
      />
      {open && typed !== '' && (
        <div className="search__results" data-testid="search-results">
          {!current && <p className="muted">{t('searching')}</p>}
          {current?.error && <p className="muted">{t('loadFailed', { msg: current.error })}</p>}
          {current?.lots?.length === 0 && <p className="muted">{t('noResults')}</p>}
          {current?.lots && current.lots.length > 0 && (
            <ul>
              {current.lots.map((found) => {
                const lot = liveLots.get(found.id) ?? found;
                return (
                  <li key={lot.id}>
                    <button type="button" className="search__result" data-testid="search-result" data-lot-id={lot.id} onClick={() => pick(lot)}>
                      <span className="search__name">{lotName(lot, lang)}</span>
                      <span className="search__meta">
                        {t(`kind_${lot.kind}`)} · {districtName(lot.district, lang)}
                      </span>
                      <FreeBadge free={lot.free} occupied={lot.occupied} />
                    </button>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
