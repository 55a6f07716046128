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
// Kerb exits published, remembered for the plates of this many recent ones (as the fleet remembers
// only its recent stays, fleet.ts maxStays): a demo fleet runs for days.
const KERB_EXITS_KEPT = 200_000;

export class ReportLog {
  /** Reports not (yet) handed to MQTT, by plate. */
  private readonly unsent = new Map<string, Set<Report>>();
  /**
   * When a kerb exit was reported (a sensor's "free", a camera's exit read) and handed to MQTT, by
   * plate, latest plates last. A kerb stay counts as reported when either went: a stuck sensor
   * says no "free" at all, so an unsent report of the other kind cannot stand for "both unsent".
   */
  private readonly kerbExitsSent = new Map<string, number[]>();

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
      if (!s?.delete(report)) return; // a duplicate's second copy
      if (!s.size) this.unsent.delete(report.plate);
      if (report.kind === 'exit-camera' || report.kind === 'exit-sensor') this.kerbExitSent(report);
    };
  }

  private kerbExitSent(report: Report): void {
    const times = this.kerbExitsSent.get(report.plate) ?? [];
    this.kerbExitsSent.delete(report.plate);
    this.kerbExitsSent.set(report.plate, [...times.slice(-3), report.at]);
    if (this.kerbExitsSent.size > KERB_EXITS_KEPT) this.kerbExitsSent.delete(this.kerbExitsSent.keys().next().value!);
  }

  /**
   * `stays`, each flagged `unreported` when a report no platform could do without was never
   * published: its entry, or every report of its exit (a garage's gate out; on the kerb, the
   * sensor's "free" and the camera's exit read: neither published, or never made, as a stuck
   * sensor's). Reports still in flight count as unsent: call it once the fleet has stopped.
   */
  mark(stays: TrueStay[]): TrueStay[] {
    return stays.map((s) => {
      const from = s.entry.getTime() - SLACK_MS;
      const to = s.exit.getTime() + SLACK_MS;
      const set = this.unsent.get(s.plate);
      const has = (k: ReportKind) => !!set && [...set].some((r) => r.kind === k && r.at >= from && r.at <= to);
      // A kerb exit's report near this exit, not the one of a stay of the same plate just before.
      const exitSent = (this.kerbExitsSent.get(s.plate) ?? []).some((t) => t >= s.exit.getTime() - SLACK_MS && t <= to);
      const exitUnsent = s.lotKind === 'garage' ? has('exit-gate') : !exitSent;
      return has('entry') || exitUnsent ? { ...s, unreported: true } : s;
    });
  }
}
