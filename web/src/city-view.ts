// The city view's figures as the page draws them (pure): the heat of every lot at one hour of a
// typical weekday or weekend, the lots full most often, and the order a "play" walks the hours.
import type { CityLot } from './types.ts';

export type DayType = 'weekday' | 'weekend';
export interface Moment { day: DayType; hour: number }

/** [lat, lng, intensity 0..1] for leaflet.heat: each lot with a figure at that hour, as full as it was. */
export function heatPoints(lots: readonly CityLot[], at: Moment): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (const l of lots) {
    const v = l[at.day][at.hour];
    if (v !== null) out.push([l.lat, l.lng, v]);
  }
  return out;
}

/** The lots full most often (some period full), most first, at most `n`. */
export function fullMostOften(lots: readonly CityLot[], n = 10): CityLot[] {
  return lots.filter((l) => (l.fullShare ?? 0) > 0)
    .sort((a, b) => (b.fullShare ?? 0) - (a.fullShare ?? 0) || a.lotId.localeCompare(b.lotId))
    .slice(0, n);
}

/** The next moment of a play: a weekday's 24 hours, then a weekend's; null after the weekend's last. */
export function nextMoment(m: Moment): Moment | null {
  if (m.hour < 23) return { day: m.day, hour: m.hour + 1 };
  return m.day === 'weekday' ? { day: 'weekend', hour: 0 } : null;
}
