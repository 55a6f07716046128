import { describe, expect, it } from 'vitest';
import { initialLive, liveReducer, type LiveState } from './state.ts';
import type { Bay, Lot } from './types.ts';

const lot = (id: string, over: Partial<Lot> = {}): Lot => ({
  id,
  name: `停车场 ${id}`,
  nameEn: `Lot ${id}`,
  kind: 'garage',
  district: 'Jinshui',
  address: '',
  lat: 34.75,
  lng: 113.65,
  capacity: 10,
  free: 4,
  occupied: 5,
  unknown: 1,
  dataQuality: 0.9,
  updatedAt: '2026-01-01T08:00:00.000Z',
  path: null,
  ...over,
});

const bay = (code: string, occupied: boolean | null): Bay => ({
  code,
  lat: 34.75,
  lng: 113.65,
  accessible: false,
  evCharging: false,
  occupied,
  since: '2026-01-01T07:00:00.000Z',
});

const loaded = (...lots: Lot[]): LiveState => liveReducer(initialLive, { type: 'lots/loaded', lots });

describe('liveReducer', () => {
  it('keeps unchanged lots identical across reloads, so layers can skip them', () => {
    const s1 = loaded(lot('A'), lot('B'));
    const s2 = liveReducer(s1, { type: 'lots/loaded', lots: [lot('A'), lot('B', { free: 3, occupied: 6 })] });
    expect(s2.lots.get('A')).toBe(s1.lots.get('A'));
    expect(s2.lots.get('B')).not.toBe(s1.lots.get('B'));
    expect(s2.lots.get('B')?.free).toBe(3);
    // Same data again: the very same state object.
    expect(liveReducer(s2, { type: 'lots/loaded', lots: [lot('A'), lot('B', { free: 3, occupied: 6 })] })).toBe(s2);
  });

  it('drops lots missing from a full reload', () => {
    const s = liveReducer(loaded(lot('A'), lot('B')), { type: 'lots/loaded', lots: [lot('A')] });
    expect([...s.lots.keys()]).toEqual(['A']);
  });

  it('patches only the lots a stream event names', () => {
    const s1 = loaded(lot('A'), lot('B'));
    const s2 = liveReducer(s1, {
      type: 'availability',
      event: { lots: [{ id: 'B', free: 0, occupied: 9, unknown: 1, updatedAt: '2026-01-01T08:01:00.000Z' }], bays: [] },
    });
    expect(s2.lots.get('A')).toBe(s1.lots.get('A'));
    expect(s2.lots.get('B')).toMatchObject({ free: 0, occupied: 9, name: '停车场 B' });
  });

  it('ignores stale patches, unknown lots and no-op events', () => {
    const s1 = loaded(lot('A'));
    const stale = { id: 'A', free: 9, occupied: 0, unknown: 1, updatedAt: '2026-01-01T07:59:00.000Z' };
    const unknown = { id: 'Z', free: 1, occupied: 0, unknown: 0, updatedAt: '2026-01-01T09:00:00.000Z' };
    expect(liveReducer(s1, { type: 'availability', event: { lots: [stale, unknown], bays: [] } })).toBe(s1);
  });

  it('does not let an older full load undo a newer stream patch', () => {
    const s1 = liveReducer(loaded(lot('A')), {
      type: 'availability',
      event: { lots: [{ id: 'A', free: 1, occupied: 8, unknown: 1, updatedAt: '2026-01-01T08:05:00.000Z' }], bays: [] },
    });
    const s2 = liveReducer(s1, { type: 'lots/loaded', lots: [lot('A')] });
    expect(s2.lots.get('A')).toBe(s1.lots.get('A'));
  });

  it('patches bays of the open lot only', () => {
    let s = loaded(lot('A'), lot('B'));
    s = liveReducer(s, { type: 'details/loaded', lot: lot('A'), bays: [bay('A-01', false), bay('A-02', null)] });
    const before = s.details?.bays;
    s = liveReducer(s, {
      type: 'availability',
      event: {
        lots: [],
        bays: [
          { code: 'A-02', lotId: 'A', occupied: true, since: '2026-01-01T08:02:00.000Z' },
          { code: 'B-01', lotId: 'B', occupied: true, since: '2026-01-01T08:02:00.000Z' },
        ],
      },
    });
    expect(s.details?.bays[0]).toBe(before?.[0]);
    expect(s.details?.bays[1]).toMatchObject({ code: 'A-02', occupied: true, since: '2026-01-01T08:02:00.000Z' });
    expect(liveReducer(s, { type: 'details/cleared' }).details).toBeNull();
  });
});
