// Which stays the fleet actually reported. Every report of a car's entry or exit is noted as the
// city model makes it and crossed off when its message is handed to MQTT (transport.ts). What is
// still on the list was never published: lost or silenced by a fault, held back late at stop, still
// waiting in the start-up ramp or in a link's backlog when the run ended, or pushed out of a full
// backlog. Billing accuracy (accuracy.ts) counts such stays as "never reported by the fleet", apart
// from those the platform lost. Counting what was published, rather than what a fault is known to
// have dropped, leaves no path by which an unsent message counts against the platform.
import type { MessageBody, TrueStay } from './city-sim.ts';

/** The report of a stay a message carries: its entry (a gate "in", a kerb camera's read), or one of its exit's. */
type ReportKind = 'entry' | 'exit-gate' | 'exit-camera' | 'exit-sensor';
interface Report { plate: string; kind: ReportKind; at: number }
// A stay's reports fall within its entry and exit, give or take a garage drive (≤ 3 min) and a camera's lag.
const SLACK_MS = 5 * 60 * 1000;

export class ReportLog {
  /** Reports not (yet) handed to MQTT, by plate. */
  private readonly unsent = new Map<string, Set<Report>>();

  /** `carAtSensor`: the plate of the car a sensor watches now (the city model's), to name a sensor's "free". */
  constructor(private readonly carAtSensor: (sensorId: string) => string | null) {}

  /**
   * Note a message as the model produced it; returns what to call once it is handed to MQTT (each
   * copy of a duplicate calls it; the first counts), or undefined when it reports no stay.
   */
  note(deviceId: string, body: MessageBody, eventTime: Date): (() => void) | undefined {
    let plate: string | null = null;
    let kind: ReportKind | null = null;
    if (body.type === 'gate') [plate, kind] = [body.plate, body.direction === 'in' ? 'entry' : 'exit-gate'];
    else if (body.type === 'bay') [plate, kind] = [body.plate ?? null, body.occupied ? 'entry' : 'exit-camera'];
    else if (body.type === 'occupancy' && !body.occupied) [plate, kind] = [this.carAtSensor(deviceId), 'exit-sensor'];
    if (!plate || !kind) return undefined;
    const report: Report = { plate, kind, at: eventTime.getTime() };
    let set = this.unsent.get(plate);
    if (!set) this.unsent.set(plate, (set = new Set()));
    set.add(report);
    return () => {
      const s = this.unsent.get(report.plate);
      if (!s?.delete(report) || s.size) return;
      this.unsent.delete(report.plate);
    };
  }

  /**
   * `stays`, each flagged `unreported` when a report no platform could do without was never
   * published: its entry, or every report of its exit (a garage's gate out; on the kerb, both the
   * sensor's "free" and the camera's). Reports still in flight count as unsent: call it once the
   * fleet has stopped.
   */
  mark(stays: TrueStay[]): TrueStay[] {
    if (!this.unsent.size) return stays;
    return stays.map((s) => {
      const set = this.unsent.get(s.plate);
      if (!set) return s;
      const from = s.entry.getTime() - SLACK_MS;
      const to = s.exit.getTime() + SLACK_MS;
      const has = (k: ReportKind) => [...set].some((r) => r.kind === k && r.at >= from && r.at <= to);
      const unreported = has('entry') || (s.lotKind === 'garage' ? has('exit-gate') : has('exit-camera') && has('exit-sensor'));
      return unreported ? { ...s, unreported: true } : s;
    });
  }
}
