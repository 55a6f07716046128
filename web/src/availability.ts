// Colour rule shared by markers, street lines, clusters and panels, so one lot looks the same everywhere.

export type Level = 'high' | 'mid' | 'low' | 'none';

export const LEVEL_COLOR: Record<Level, string> = {
  high: '#16a34a', // green
  mid: '#f59e0b', // amber
  low: '#dc2626', // red
  none: '#9ca3af', // grey: no bay state known
};

// Thresholds on the free share of the bays whose state we know. Unknown bays are left out of the
// ratio rather than counted as occupied, so a lot with a few silent sensors is not painted red.
const HIGH_AT = 0.3;
const MID_AT = 0.1;

export function levelOf(c: { free: number; occupied: number }): Level {
  const known = c.free + c.occupied;
  if (known <= 0) return 'none';
  if (c.free <= 0) return 'low';
  const ratio = c.free / known;
  if (ratio >= HIGH_AT) return 'high';
  if (ratio >= MID_AT) return 'mid';
  return 'low';
}
