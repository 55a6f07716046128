import { describe, it, expect } from 'vitest';
import { distanceMeters, drivingMinutes, wgs84ToGcj02, wgs84ToBd09, navigationLinks } from './geo.ts';

describe('geo', () => {
  it('measures great-circle distance', () => {
    // Erqi Tower to Zhengzhou East Station: about 9.8 km as the crow flies.
    const d = distanceMeters({ lat: 34.7534, lng: 113.6654 }, { lat: 34.7581, lng: 113.7735 });
    expect(d).toBeGreaterThan(9_800);
    expect(d).toBeLessThan(10_000);
  });

  it('converts WGS-84 to GCJ-02 and BD-09 as Chinese map apps expect', () => {
    // Reference values from the published transformation for a Zhengzhou point.
    const g = wgs84ToGcj02({ lat: 34.7534, lng: 113.6654 });
    expect(g.lat - 34.7534).toBeGreaterThan(-0.002);
    expect(g.lat - 34.7534).toBeLessThan(0.0);
    expect(g.lng - 113.6654).toBeGreaterThan(0.005);
    expect(g.lng - 113.6654).toBeLessThan(0.007);
    const b = wgs84ToBd09({ lat: 34.7534, lng: 113.6654 });
    expect(b.lng - g.lng).toBeGreaterThan(0.006);
    expect(b.lat - g.lat).toBeGreaterThan(0.005);
    // Outside China nothing is shifted.
    expect(wgs84ToGcj02({ lat: 51.5, lng: -0.12 })).toEqual({ lat: 51.5, lng: -0.12 });
  });

  it('builds hand-off links in each app\'s datum', () => {
    const links = navigationLinks({ lat: 34.7534, lng: 113.6654, name: '二七塔' });
    const g = wgs84ToGcj02({ lat: 34.7534, lng: 113.6654 });
    expect(links.amap).toContain(`to=${g.lng.toFixed(6)},${g.lat.toFixed(6)},${encodeURIComponent('二七塔')}`);
    expect(links.baidu).toContain('coordtype=bd09ll');
    expect(links.geo).toMatch(/^geo:34\.753400,113\.665400/);
  });

  it('drives slower in the commute peaks than at night, and always takes the time to park', () => {
    expect(drivingMinutes(0, 12)).toBe(2);
    expect(drivingMinutes(5000, 8)).toBeGreaterThan(drivingMinutes(5000, 12));
    expect(drivingMinutes(5000, 12)).toBeGreaterThan(drivingMinutes(5000, 23));
    expect(drivingMinutes(5000, 8)).toBeCloseTo(2 + 6.75 / 18 * 60, 9); // 5 km straight, 6.75 km of road at 18 km/h
  });
});
