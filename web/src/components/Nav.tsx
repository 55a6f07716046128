// The three pages: map (default), plate lookup (no account), my account.
import { useI18n, type StringKey } from '../i18n.ts';
import { ROUTE_HASH, type Route } from '../route.ts';

const ITEMS: [Route, StringKey][] = [
  ['map', 'navMap'],
  ['lookup', 'navLookup'],
  ['account', 'navAccount'],
];

export function Nav({ route }: { route: Route }) {
  const { t } = useI18n();
  return (
    <nav className="nav" aria-label={t('navLabel')}>
      {ITEMS.map(([r, key]) => (
        <a
          key={r}
          href={ROUTE_HASH[r]}
          className={`nav__link${route === r ? ' is-active' : ''}`}
          aria-current={route === r ? 'page' : undefined}
          data-testid={`nav-${r}`}
        >
          {t(key)}
        </a>
      ))}
    </nav>
  );
}
