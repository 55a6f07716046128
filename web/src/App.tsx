// The drivers' web app: the live map at `/` (the default), the plate lookup at `#/lookup` (no
// account needed) and the driver's account at `#/account`. Hash routes need no server fallback.
import { AccountPage } from './components/AccountPage.tsx';
import { Header } from './components/Header.tsx';
import { LookupPage } from './components/LookupPage.tsx';
import { MapPage } from './components/MapPage.tsx';
import { useHashRoute } from './hooks/useHashRoute.ts';

export function App() {
  const route = useHashRoute();
  if (route === 'map') return <MapPage />;
  return (
    <div className="app">
      <Header route={route} />
      <main className="page-scroll" data-testid={`page-${route}`}>
        {route === 'lookup' ? <LookupPage /> : <AccountPage />}
      </main>
    </div>
  );
}
