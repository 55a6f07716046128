import { describe, expect, it } from 'vitest';
import { parseRoute, ROUTE_HASH } from './route.ts';

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

  it('round-trips its own links', () => {
    for (const [route, hash] of Object.entries(ROUTE_HASH)) expect(parseRoute(hash)).toBe(route);
  });
});
