// Hash routes, so the API's static server needs no fallback: `/` (and `#/`) is the map.
export type Route = 'map' | 'lookup' | 'account' | 'operator';

export const ROUTE_HASH: Record<Route, string> = { map: '#/', lookup: '#/lookup', account: '#/account', operator: '#/operator' };

/** The path part of a hash: `#/operator/arrears?x=1` → `/operator/arrears`. */
function hashPath(hash: string): string {
  return hash.replace(/^#/, '').split('?')[0].replace(/\/+$/, '');
}

export function parseRoute(hash: string): Route {
  const path = hashPath(hash);
  if (path === '/lookup') return 'lookup';
  if (path === '/account') return 'account';
  if (path === '/operator' || path.startsWith('/operator/')) return 'operator';
  return 'map';
}

// The operators' console has one tab per sub-path, so a reload or a bookmark keeps the tab.
export type OperatorTab = 'review' | 'arrears' | 'alerts' | 'analytics' | 'lots' | 'devices' | 'tariffs' | 'passes' | 'claims';

export const OPERATOR_TABS: readonly OperatorTab[] = ['review', 'arrears', 'alerts', 'analytics', 'lots', 'devices', 'tariffs', 'passes', 'claims'];

export const OPERATOR_TAB_HASH: Record<OperatorTab, string> = {
  review: '#/operator',
  arrears: '#/operator/arrears',
  alerts: '#/operator/alerts',
  analytics: '#/operator/analytics',
  claims: '#/operator/claims',
  lots: '#/operator/lots',
  devices: '#/operator/devices',
  tariffs: '#/operator/tariffs',
  passes: '#/operator/passes',
};

/** The console's tab: the review queue unless the hash names another. */
export function parseOperatorTab(hash: string): OperatorTab {
  const sub = hashPath(hash).replace(/^\/operator\/?/, '');
  return (OPERATOR_TABS as readonly string[]).includes(sub) ? (sub as OperatorTab) : 'review';
}
