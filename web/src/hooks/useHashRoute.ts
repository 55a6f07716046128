// The page's route from location.hash (see route.ts); re-renders on hashchange.
import { useEffect, useState } from 'react';
import { parseRoute, type Route } from '../route.ts';

export function useHashRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
