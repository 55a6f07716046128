// The pages: map (default), plate lookup (no account), my account; then, set apart, the
// operators' console (behind its own sign-in: nothing there works for a driver).
import { useI18n, type StringKey } from '../i18n.ts';
import { ROUTE_HASH, type Route } from '../route.ts';

const ITEMS: [Route, StringKey][] = [
  ['map', 'navMap'],
  ['lookup', 'navLookup'],
  ['account', 'navAccount'],
  ['operator', 'navOperator'],
];

export function Nav({ route }: { route: Route }) {
  const { t } = useI18n();
  return (
    <nav className="nav" aria-label={t('navLabel')}>
      {ITEMS.map(([r, key]) => (
        <a
          key={r}
          href={ROUTE_HASH[r]}
          className={`nav__link${r === 'operator' ? ' nav__link--operator' : ''}${route === r ? ' is-active' : ''}`}
          aria-current={route === r ? 'page' : undefined}
          data-testid={`nav-${r}`}
        >
          {t(key)}
        </a>
      ))}
    </nav>
  );
}
