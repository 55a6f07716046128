import { describe, expect, it } from 'vitest';
import { OPERATOR_TAB_HASH, parseOperatorTab, parseRoute, parseSetupLink, ROUTE_HASH, setupLink, tabsFor } from './route.ts';

describe('parseRoute', () => {
  it('maps hashes to pages, the map by default', () => {
    expect(parseRoute('')).toBe('map');
    expect(parseRoute('#/')).toBe('map');
    expect(parseRoute('#/lookup')).toBe('lookup');
    expect(parseRoute('#/lookup/')).toBe('lookup');
    expect(parseRoute('#/lookup?plate=x')).toBe('lookup');
    expect(parseRoute('#/account')).toBe('account');
    expect(parseRoute('#/nope')).toBe('map');
  });

  it('sends the console and its tabs to the operator page, and nothing that merely starts alike', () => {
    expect(parseRoute('#/operator')).toBe('operator');
    expect(parseRoute('#/operator/')).toBe('operator');
    expect(parseRoute('#/operator/arrears')).toBe('operator');
    expect(parseRoute('#/operator/analytics?lot=x')).toBe('operator');
    expect(parseRoute('#/operators')).toBe('map');
  });

  it('round-trips its own links', () => {
    for (const [route, hash] of Object.entries(ROUTE_HASH)) expect(parseRoute(hash)).toBe(route);
  });
});

describe('parseOperatorTab', () => {
  it('opens the review queue unless the hash names another tab', () => {
    expect(parseOperatorTab('#/operator')).toBe('review');
    expect(parseOperatorTab('#/operator/')).toBe('review');
    expect(parseOperatorTab('#/operator/arrears')).toBe('arrears');
    expect(parseOperatorTab('#/operator/analytics/')).toBe('analytics');
    expect(parseOperatorTab('#/operator/analytics?from=x')).toBe('analytics');
    expect(parseOperatorTab('#/operator/claims')).toBe('claims');
    expect(parseOperatorTab('#/operator/nope')).toBe('review');
    expect(parseOperatorTab('#/operator/arrears/extra')).toBe('review');
  });

  it('round-trips its own links', () => {
    for (const [tab, hash] of Object.entries(OPERATOR_TAB_HASH)) {
      expect(parseRoute(hash)).toBe('operator');
      expect(parseOperatorTab(hash)).toBe(tab);
    }
  });
});

describe('tabs by role and the setup link', () => {
  it('shows each role only the sections it may use', () => {
    for (const hidden of ['staff', 'audit', 'tariffs', 'operators', 'claims']) expect(tabsFor('staff')).not.toContain(hidden);
    expect(tabsFor('admin')).toEqual(expect.arrayContaining(['staff', 'audit', 'tariffs']));
    expect(tabsFor('admin')).not.toContain('operators');
    expect(tabsFor('city')).toEqual(expect.arrayContaining(['operators', 'audit', 'claims']));
    expect(tabsFor('city')).not.toContain('staff');
  });

  it('reads back the account and code of the link it makes, whatever characters the account has', () => {
    const link = setupLink('http://127.0.0.1:8080/#/operator/staff', 'li.wei@op-x', 'abcdefgh2345');
    expect(link).toBe('http://127.0.0.1:8080/#/operator/setup?account=li.wei%40op-x&code=abcdefgh2345');
    expect(parseSetupLink(new URL(link).hash)).toEqual({ account: 'li.wei@op-x', code: 'abcdefgh2345' });
    expect(parseRoute(new URL(link).hash)).toBe('operator');
    expect(parseSetupLink('#/operator/setup')).toEqual({ account: '', code: '' });
    expect(parseSetupLink('#/operator/staff')).toBeNull();
  });
});
