// Whose stay is it: the plate a stay is billed to, judged from every read of the vehicle (entry,
// bay-camera sightings, exit), each with the camera's confidence and the plate colour it reported,
// and the other cars open at the lot. Pure. The rules (docs/plates.md), each cited where applied:
//  1. A read that cannot be a plate (GA 36-2018 format, or its length against the colour the camera
//     saw: green plates have 8 characters, blue 7) is a misread: it names nobody and is set aside.
//  2. Reads that all name the same plate, each at or above the lot's min_confidence and the best
//     at or above AGREE_CONFIDENCE (two cameras can misread a plate alike), and each AGREE_MARGIN
//     above min_confidence (two alike misreads are seldom both confident): certain.
//  3. Reads that disagree (a confusion such as 0/D, 8/B or the province): certain only when the
//     plate is read at or above CERTAIN_CONFIDENCE, every dissenting read is one character away
//     from it and at least CONFIDENCE_MARGIN below that read, and no read of the plate is below
//     min_confidence (a misread comes with a lower confidence far more often than a right read
//     does). Reads apart only in the province: certain on the city's own (homeProvince) read more
//     confidently than the others, never when none names it. Else uncertain.
//  4. Another car open at the lot whose plate is confusable with this one (same confusable key):
//     certain only when every read names this plate exactly at or above CERTAIN_CONFIDENCE.
//  5. One read only (a street camera's exit read lost): certain only at or above SINGLE_READ_CONFIDENCE.
// An uncertain plate never bills anybody: the stay goes to the operators' review with this evidence.
import { confusableKey, normalizePlate, plateText, type PlateKind } from '../core/plates.ts';

/** A read at or above this stands on its own (rules 3–5). */
export const CERTAIN_CONFIDENCE = 0.9;
/**
 * One read alone (rule 5): nothing else can contradict it, so it needs more than a read that other
 * reads back. At 0.90 the demo fault run billed one stay of 1,041 to a stranger: a kerb camera's only
 * read, 陕Z149Z1 for 陕Z14921 (2/Z) at 0.92, its exit read lost. Misreads come with ~0.17 less
 * confidence and a wider spread than right reads (docs/faults.md): at 0.95 about a fifth as many
 * of them pass, and a right read by day (mean 0.96) still mostly does.
 */
export const SINGLE_READ_CONFIDENCE = 0.95;
/** Reads that agree: the best of them at least this (rule 2); two cameras can misread alike. */
export const AGREE_CONFIDENCE = 0.88;
/**
 * Reads that agree: each at least this far above the lot's min_confidence (rule 2; 0.85 at the
 * default 0.8). First for one camera's reads (a kerb camera's same misread at arrival and departure:
 * over 400,000 seeded stays it took one wrong bill of four for 0.09 % more stays in review), then
 * for every camera's: two whole-city runs billed a garage stay that both its lanes' cameras misread
 * alike (豫P24157 as 豫P241S7 at 0.80 and 0.93; 豫A9M2Y0 as 豫A9MZY0 at 0.89 and 0.83). Over the
 * 400,000 seeded stays that costs 0.105 % more in review (97.693 → 97.588 % billed automatically);
 * requiring AGREE_CONFIDENCE of each cost 0.9 %.
 */
export const AGREE_MARGIN = 0.05;
/** How far below the best read of the plate every dissenting read must be (rule 3). */
export const CONFIDENCE_MARGIN = 0.15;
/** Reads kept per stay: entry, exit and the latest sightings. */
const MAX_READS = 8;

export type PlateCertainty = 'certain' | 'uncertain' | 'pending' | 'confirmed';
export type PlateRule =
  | 'reads-agree' | 'impossible-read-set-aside' | 'weak-dissent' | 'home-province' | 'single-confident-read'
  | 'low-confidence' | 'reads-disagree' | 'confusable-in-lot' | 'single-read' | 'no-plate-read';

export interface PlateRead {
  role: 'entry' | 'sighting' | 'exit';
  deviceId: string;
  seq: number;
  /** Event time, ISO. */
  at: string;
  /** As normalised by ingest (or as sent when not a plate). */
  read: string;
  confidence: number | null;
  /** The colour the camera reported, when it did. */
  color: string | null;
  /**
   * How many I or O the camera read in the serial, which no plate has, and `read` took for 1 or 0:
   * a misread of the plate it names (rule 3 counts it as a dissent, rule 2 not as an agreeing read).
   */
  corrected?: number;
}

export interface PlateEvidence {
  rule: PlateRule;
  reads: PlateRead[];
  /** Plates the reads could name, the best first (the one billed when certain). */
  candidates: string[];
  /** Plates of other cars open at the lot, confusable with this one. */
  confusableInLot: string[];
}

export interface PlateVerdict { plate: string; kind: PlateKind; certainty: 'certain' | 'uncertain'; evidence: PlateEvidence }

/** Rule 1: a read that could be some vehicle's plate (valid format, length fits the colour seen). */
export function possiblePlate(r: Pick<PlateRead, 'read' | 'color'>): { plate: string; kind: PlateKind } | null {
  const p = normalizePlate(r.read);
  if (!p.ok) return null;
  if (r.color === 'green' && p.kind !== 'new-energy') return null;
  if ((r.color === 'blue' || r.color === 'yellow') && p.kind === 'new-energy') return null;
  return { plate: p.plate, kind: p.kind };
}

/** Keep the entry, the exit and the latest sightings. */
export function withRead(reads: readonly PlateRead[], r: PlateRead): PlateRead[] {
  const all = [...reads, r];
  if (all.length <= MAX_READS) return all;
  return [all[0], ...all.slice(all.length - (MAX_READS - 1))];
}

/** Plates of the same length that differ in exactly one character. */
const oneApart = (a: string, b: string) => {
  const x = [...a];
  const y = [...b];
  return x.length === y.length && x.filter((c, i) => c !== y[i]).length === 1;
};

const conf = (r: PlateRead) => r.confidence ?? 1; // a camera that gives none is taken at its word

/** Whether `a` becomes `b` by changing, dropping or adding at most one character. */
function withinOneEdit(a: string, b: string): boolean {
  const x = [...a];
  const y = [...b];
  if (Math.abs(x.length - y.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) { i++; j++; continue; }
    if (++edits > 1) return false;
    if (x.length > y.length) i++;
    else if (y.length > x.length) j++;
    else { i++; j++; }
  }
  return edits + (x.length - i) + (y.length - j) <= 1;
}

/**
 * Judge the plate of a stay from its reads. `fallback` is the plate the session was opened with,
 * returned as the best guess when no read is a possible plate.
 */
export function judgePlate(reads: readonly PlateRead[], o: { minConfidence: number; homeProvince?: string; fallback: string; confusableInLot?: readonly string[] }): PlateVerdict {
  const inLot = [...new Set(o.confusableInLot ?? [])];
  const groups = new Map<string, { kind: PlateKind; reads: PlateRead[] }>();
  for (const r of reads) {
    const p = possiblePlate(r);
    if (!p) continue; // rule 1
    const g = groups.get(p.plate);
    if (g) g.reads.push(r);
    else groups.set(p.plate, { kind: p.kind, reads: [r] });
  }
  const ranked = [...groups].sort(([, a], [, b]) => b.reads.length - a.reads.length || Math.max(...b.reads.map(conf)) - Math.max(...a.reads.map(conf)));
  const candidates = ranked.map(([plate]) => plate);
  const verdict = (certain: boolean, rule: PlateRule): PlateVerdict => {
    const plate = candidates[0] ?? o.fallback;
    const kind = groups.get(plate)?.kind ?? (normalizePlate(plate).ok && [...plate].length === 8 ? 'new-energy' : 'standard');
    return { plate, kind, certainty: certain ? 'certain' : 'uncertain', evidence: { rule, reads: [...reads], candidates, confusableInLot: inLot } };
  };
  if (!ranked.length) return verdict(false, 'no-plate-read');
  const [[top, group], ...dissent] = ranked;
  const setAside = group.reads.length + dissent.reduce((n, [, g]) => n + g.reads.length, 0) < reads.length;
  // Rule 3, for a read that named the plate only once its I or O was taken for 1 or 0: the camera
  // saw a character the plate does not have, a misread one character away. Weak, it dissents; it
  // does not agree (a weak agreeing read suggests both reads are one misread, rule 2). It weighs
  // as one only beside another read of the plate.
  const misreadOfTop = group.reads.filter((r) => r.corrected && conf(r) < o.minConfidence + AGREE_MARGIN - 1e-9);
  const best = misreadOfTop.length && misreadOfTop.length < group.reads.length ? { ...group, reads: group.reads.filter((r) => !misreadOfTop.includes(r)) } : group;
  const weakMisreads = best === group ? [] : misreadOfTop;
  const strong = best.reads.every((r) => conf(r) >= o.minConfidence);
  const confident = best.reads.some((r) => conf(r) >= CERTAIN_CONFIDENCE);
  // Rule 4: two confusable cars at the lot: only exact, confident reads tell them apart.
  const others = inLot.filter((p) => p !== top && confusableKey(p) === confusableKey(top));
  if (others.length) {
    const exact = !dissent.length && !weakMisreads.length && !setAside && best.reads.every((r) => conf(r) >= CERTAIN_CONFIDENCE);
    return verdict(exact, 'confusable-in-lot');
  }
  if (!strong) return verdict(false, 'low-confidence');
  const bestConf = Math.max(...best.reads.map(conf));
  if (dissent.length || weakMisreads.length) {
    // Rule 3: a dissent clearly weaker than a confident read of the plate, and one misread away
    // from it (one character: two differences mean more than one read is wrong).
    const weakEnough = (r: PlateRead) => conf(r) <= bestConf - CONFIDENCE_MARGIN + 1e-9;
    // A read the platform corrected is weak for the I or O the camera saw, which became a 1 or 0: its
    // confidence says nothing of a character where it names neither. Dissenting there, it is a second
    // misread or the right read (the whole-city run billed 豫A9414D's stay to 豫A94140 at 0.90, its
    // entry read 豫A94I4D at 0.63, corrected to the right plate).
    const explained = (p: string, r: PlateRead) => !r.corrected || [...p].some((c, i) => c !== [...top][i] && (c === '1' || c === '0'));
    const weak = dissent.every(([p, g]) => oneApart(p, top) && g.reads.every((r) => weakEnough(r) && explained(p, r)))
      && weakMisreads.every((r) => r.corrected === 1 && weakEnough(r));
    // Only the province apart (a province is one character, the plate's first).
    if (o.homeProvince !== undefined && dissent.length && !weakMisreads.length && dissent.every(([p]) => p.slice(1) === top.slice(1))) {
      // Neither the city's: a visitor's one misread, or the city's car misread twice. The second is
      // rarer but not rare enough to bill on (a city run billed 豫AD38994's stay to 宁AD38994 at
      // 0.95, its entry read 鲁AD38994).
      if (top[0] !== o.homeProvince) return verdict(false, 'reads-disagree');
      // The plate read with the city's own and more confidently: most cars are the city's, and a
      // misread province is as likely any of 30, so a stranger's plate is rarely misread as the home
      // one, and a home plate often as a stranger's.
      if (!weak && confident && dissent.every(([, g]) => g.reads.every((r) => conf(r) < bestConf))) return verdict(true, 'home-province');
    }
    return verdict(weak && confident, weak && confident ? 'weak-dissent' : 'reads-disagree');
  }
  const alone = best.reads.some((r) => conf(r) >= SINGLE_READ_CONFIDENCE);
  if (best.reads.length === 1 && !setAside) return verdict(alone, alone ? 'single-confident-read' : 'single-read'); // rule 5
  if (best.reads.length === 1) {
    // Rule 1, continued: a read set aside still saw this vehicle. The one read left stands only as a
    // lone read would (rule 5), and only if each set-aside read is one misread from it — two
    // differences mean the read left may be the wrong one (the whole-city run billed 贵AD66185 at
    // 0.95 for 豫AD66185 whose exit read 豫A066185 was set aside).
    const near = reads.filter((r) => !possiblePlate(r)).every((r) => withinOneEdit(plateText(r.read), top));
    return verdict(alone && near, alone && near ? 'impossible-read-set-aside' : 'reads-disagree');
  }
  // Rule 2: reads that agree, the best of them confident enough that two alike misreads are unlikely.
  if (bestConf < AGREE_CONFIDENCE) return verdict(false, 'low-confidence');
  // …and none of them middling: a camera's misread at entry is likely its misread at exit (the same
  // pole, light and dirt: 豫AUD313's kerb stay read 豫AU0313 at 0.84 and 0.89), and two lanes'
  // cameras misread alike too, if less often (豫A9M2Y0 read 豫A9MZY0 at 0.89 and 0.83).
  if (best.reads.some((r) => conf(r) < o.minConfidence + AGREE_MARGIN - 1e-9)) return verdict(false, 'low-confidence');
  return verdict(true, setAside ? 'impossible-read-set-aside' : 'reads-agree');
}
