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
export type OperatorTab = 'review' | 'arrears' | 'alerts' | 'analytics' | 'city' | 'lots' | 'devices' | 'tariffs' | 'pricing' | 'passes' | 'claims' | 'operators' | 'staff' | 'audit';

export const OPERATOR_TABS: readonly OperatorTab[] = ['review', 'arrears', 'alerts', 'analytics', 'city', 'lots', 'devices', 'tariffs', 'pricing', 'passes', 'claims', 'operators', 'staff', 'audit'];

/**
 * The sections a role may open (the API refuses the rest anyway: core/tenancy.ts). Plate claims and
 * onboarding operators are the city's; staff accounts an admin's; the audit log is read by both;
 * tariffs are written by an admin and approved by the city, so staff do not see them.
 */
const HIDDEN_FROM: Record<'city' | 'admin' | 'staff', readonly OperatorTab[]> = {
  city: ['staff'],
  admin: ['claims', 'operators'],
  staff: ['claims', 'operators', 'staff', 'audit', 'tariffs', 'pricing'],
};
export function tabsFor(role: 'city' | 'admin' | 'staff'): readonly OperatorTab[] {
  return OPERATOR_TABS.filter((k) => !HIDDEN_FROM[role].includes(k));
}

export const OPERATOR_TAB_HASH: Record<OperatorTab, string> = {
  review: '#/operator',
  arrears: '#/operator/arrears',
  alerts: '#/operator/alerts',
  analytics: '#/operator/analytics',
  city: '#/operator/city',
  claims: '#/operator/claims',
  lots: '#/operator/lots',
  devices: '#/operator/devices',
  tariffs: '#/operator/tariffs',
  pricing: '#/operator/pricing',
  passes: '#/operator/passes',
  operators: '#/operator/operators',
  staff: '#/operator/staff',
  audit: '#/operator/audit',
};

/** `#/operator/setup?account=…&code=…`: the link a new account's setup code is handed over as. */
export const SETUP_HASH = '#/operator/setup';
export function parseSetupLink(hash: string): { account: string; code: string } | null {
  if (hashPath(hash) !== '/operator/setup') return null;
  const q = new URLSearchParams(hash.split('?')[1] ?? '');
  return { account: q.get('account') ?? '', code: q.get('code') ?? '' };
}
/** `page`: the console page's address (origin and path, any hash dropped). */
export function setupLink(page: string, account: string, code: string): string {
  return `${page.replace(/#.*$/, '')}${SETUP_HASH}?${new URLSearchParams({ account, code })}`;
}

/** The console's tab: the review queue unless the hash names another. */
export function parseOperatorTab(hash: string): OperatorTab {
  const sub = hashPath(hash).replace(/^\/operator\/?/, '');
  return (OPERATOR_TABS as readonly string[]).includes(sub) ? (sub as OperatorTab) : 'review';
}
