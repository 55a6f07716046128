// Hash routes, so the API's static server needs no fallback: `/` (and `#/`) is the map.
export type Route = 'map' | 'lookup' | 'account';

export const ROUTE_HASH: Record<Route, string> = { map: '#/', lookup: '#/lookup', account: '#/account' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').split('?')[0].replace(/\/+$/, '');
  if (path === '/lookup') return 'lookup';
  if (path === '/account') return 'account';
  return 'map';
}
