// The page's route from location.hash (see route.ts); re-renders on hashchange.
import { useEffect, useState } from 'react';
import { parseOperatorTab, parseRoute, type OperatorTab, type Route } from '../route.ts';

/** Whatever `parse` reads from location.hash, kept current. `parse` must be a stable function. */
export function useHash<T>(parse: (hash: string) => T): T {
  const [value, setValue] = useState<T>(() => parse(location.hash));
  useEffect(() => {
    const onChange = () => setValue(parse(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, [parse]);
  return value;
}

export function useHashRoute(): Route {
  return useHash(parseRoute);
}

/** The operators' console tab (`#/operator/<tab>`). */
export function useOperatorTab(): OperatorTab {
  return useHash(parseOperatorTab);
}
