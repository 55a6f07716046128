// The web app: the drivers' live map at `/` (the default), the plate lookup at `#/lookup` (no
// account needed), the driver's account at `#/account`, and the operators' console at `#/operator`
// (its own sign-in). Hash routes need no server fallback. The console is its own chunk: drivers
// never download it.
import { lazy, Suspense } from 'react';
import { AccountPage } from './components/AccountPage.tsx';
import { Header } from './components/Header.tsx';
import { LookupPage } from './components/LookupPage.tsx';
import { MapPage } from './components/MapPage.tsx';
import { useHashRoute } from './hooks/useHashRoute.ts';
import { useI18n } from './i18n.ts';

const OperatorPage = lazy(() => import('./components/operator/OperatorPage.tsx').then((m) => ({ default: m.OperatorPage })));

export function App() {
  const route = useHashRoute();
  const { t } = useI18n();
  if (route === 'map') return <MapPage />;
  return (
    <div className="app">
      <Header route={route} />
      <main className="page-scroll" data-testid={`page-${route}`}>
        {route === 'lookup' ? (
          <LookupPage />
        ) : route === 'operator' ? (
          <Suspense fallback={<p className="page muted">{t('loading')}</p>}>
            <OperatorPage />
          </Suspense>
        ) : (
          <AccountPage />
        )}
      </main>
    </div>
  );
}
