// Generated and mutated device payloads, each with the outcome the device protocol promises for it
// (docs/device-protocol.md): stored, or dead-lettered under one code of core/protocol.ts
// REJECT_CODES. The outcome is decided here from what the mutation did, not by calling the
// platform's validator, so the fuzz run checks the platform against the written contract.
//
// A case is built at send time (build(seq, now)): the runner gives every stored message a seq of
// its own per device, so "stored" is countable exactly (a repeated (device, seq, ts) would count as
// a duplicate instead), and the time window is judged against the clock of the moment it is sent.
import fc from 'fast-check';
import type { DeviceKind, RejectCode } from '../../core/protocol.ts';

export type Expect = 'stored' | RejectCode;

/** The devices a run publishes as: their kind, and for a bay camera the bays assigned to it. */
export interface FuzzDevice { id: string; kind: DeviceKind; bays?: string[] }

export interface PayloadCase {
  device: number;
  /** Which mutation made it, for the report. */
  mutation: string;
  expect: Expect;
  build(seq: number, now: number): Buffer;
}

type Msg = Record<string, unknown>;
const MIN = 60_000;
const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString();

// Text that has broken parsers before: every plane, controls, NUL, lone surrogates, RTL marks,
// combining characters, full-width plates.
const nasty = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\udfff x', '\u202e\u202d', 'e\u0301\u0301\u0301', '豫Ａ１２３４５', '\uffff', '\\u0000', '%00', '"; DROP TABLE devices; --', '${jndi:x}', '𝕆𝕟𝕖𝕃𝕠𝕥'),
);
// Plate: 1–16 UTF-16 units (core/protocol.ts), as read: full-width, separators, any script.
const plate = fc.oneof(fc.constantFrom('豫A12345', '豫AD12345', '京B·9Z8Y7', 'ＡＢ１２３', 'o1i0O'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).filter((s) => s.length <= 16));
const colors = ['blue', 'green', 'yellow', 'white', 'black'] as const;

/** A message the protocol accepts from a device of this kind, minus seq and ts (set at build). */
function validBody(device: FuzzDevice): fc.Arbitrary<Msg> {
  const heartbeat = fc.record({ type: fc.constant('heartbeat'), battery: fc.double({ min: 0, max: 10, noNaN: true }), temperature: fc.integer({ min: -60, max: 120 }) }, { requiredKeys: ['type'] });
  switch (device.kind) {
    case 'bay-sensor':
      return fc.oneof(fc.record({ type: fc.constant('occupancy'), occupied: fc.boolean(), battery: fc.double({ min: 0, max: 10, noNaN: true }) }, { requiredKeys: ['type', 'occupied'] }), heartbeat);
    case 'bay-camera':
      return fc.oneof(fc.record({
        type: fc.constant('bay'), bay: fc.constantFrom(...(device.bays ?? ['none'])), occupied: fc.boolean(), plate,
        plateColor: fc.constantFrom(...colors), confidence: fc.double({ min: 0, max: 1, noNaN: true }), image: fc.string({ maxLength: 64 }),
      }, { requiredKeys: ['type', 'bay', 'occupied'] }), heartbeat);
    case 'gate-camera':
      return fc.oneof(fc.record({
        type: fc.constant('gate'), direction: fc.constantFrom('in', 'out'), plate, plateColor: fc.constantFrom(...colors),
        confidence: fc.double({ min: 0, max: 1, noNaN: true }), image: fc.string({ maxLength: 64 }),
      }, { requiredKeys: ['type', 'direction', 'plate'] }), heartbeat);
    default:
      return heartbeat;
  }
}

/** Fields each type requires besides type, seq and ts (core/protocol.ts). */
const REQUIRED: Record<string, string[]> = { occupancy: ['occupied'], heartbeat: [], bay: ['bay', 'occupied'], gate: ['direction', 'plate'] };
/** Types each kind may send (core/protocol.ts MESSAGES_BY_KIND). */
const TYPES: Record<DeviceKind, string[]> = { 'bay-sensor': ['occupancy', 'heartbeat'], 'bay-camera': ['bay', 'heartbeat'], 'gate-camera': ['gate', 'heartbeat'], gateway: ['heartbeat'] };

/** A JSON value that is not of the JSON type `like` has (a string for a number, …). */
const wrongTypeFor = (like: unknown) => fc.constantFrom<unknown>(null, [], {}, 'x', 1, true, [like]).filter((v) => typeof v !== typeof like || (v === null) !== (like === null) || Array.isArray(v) !== Array.isArray(like));

const toBytes = (m: Msg) => Buffer.from(JSON.stringify(m), 'utf8');

/**
 * Text no PostgreSQL text or jsonb can hold, anywhere in a value (keys too): NUL, or a UTF-16
 * surrogate without its pair. The protocol dead-letters such a payload as invalid_json.
 */
export function unstorable(v: unknown): boolean {
  const bad = (s: string) => s.includes('\u0000') || /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
  if (typeof v === 'string') return bad(v);
  if (Array.isArray(v)) return v.some(unstorable);
  if (v && typeof v === 'object') return Object.entries(v).some(([k, x]) => bad(k) || unstorable(x));
  return false;
}
/** What a payload whose mutation expects `code` is owed once its text is taken into account. */
const unlessUnstorable = (v: unknown, code: Expect): Expect => (unstorable(v) ? 'invalid_json' : code);

interface Mutation { name: string; arb: (body: Msg, device: FuzzDevice) => fc.Arbitrary<Omit<PayloadCase, 'device'>> }

/** Every field name the protocol defines: an extra field must not reuse one. */
const KNOWN = new Set(['type', 'seq', 'ts', 'occupied', 'battery', 'temperature', 'bay', 'plate', 'plateColor', 'confidence', 'image', 'direction', 'nested', 'note', 'pad']);

/** Valid messages, with extra fields a device maker may add (allowed and stored): unicode, NUL, nesting. */
const valid: Mutation = {
  name: 'valid',
  arb: (body) => fc.record({
    extra: fc.option(fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => !KNOWN.has(k)), fc.oneof(nasty, fc.double(), fc.jsonValue({ maxDepth: 3 })), { maxKeys: 3 }), { nil: undefined }),
    tsAgo: fc.oneof(fc.integer({ min: 0, max: 60 * MIN }), fc.integer({ min: 0, max: 89 * DAY }), fc.integer({ min: -4 * MIN, max: 0 })),
    // One valid message in ten carries a deeply nested extra field.
    deep: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 10, max: 800 }) }),
  }).map(({ extra: wanted, tsAgo, deep }) => {
    const extras = { ...wanted, ...(deep ? { nested: JSON.parse('['.repeat(deep) + ']'.repeat(deep)) } : {}) };
    // Extras that would pass the 4 KiB limit are left off (probed with the longest seq a run uses):
    // this case is about a message within the limit.
    const extra = toBytes({ ...extras, ...body, seq: 999_999_999_999_999, ts: iso(0) }).length <= 4096 ? extras : {};
    const expect = unlessUnstorable({ ...extra, ...body }, 'stored');
    return {
      mutation: expect !== 'stored' ? 'unstorable text (NUL, lone surrogate)' : deep && extra.nested ? 'valid, deeply nested extra field' : Object.keys(extra).length ? 'valid, extra fields' : 'valid', expect,
      build: (seq: number, now: number) => toBytes({ ...extra, ...body, seq, ts: iso(now - tsAgo) }),
    };
  }),
};

const MUTATIONS: Array<{ weight: number; m: Mutation }> = [
  { weight: 30, m: valid },
  { weight: 6, m: { name: 'required field missing', arb: (body) => fc.constantFrom(...['seq', 'ts', ...REQUIRED[body.type as string]]).map((f) => ({
    mutation: `missing ${f}`, expect: unlessUnstorable(body, 'schema'),
    build: (seq, now) => { const m: Msg = { ...body, seq, ts: iso(now) }; delete m[f]; return toBytes(m); },
  })) } },
  { weight: 4, m: { name: 'type missing or wrong', arb: (body, device) => fc.oneof(
    fc.constant(undefined), wrongTypeFor('s'), nasty, fc.constantFrom(...Object.values(TYPES).flat()),
  ).filter((t) => !TYPES[device.kind].includes(t as string)).map((t) => ({
    mutation: t === undefined ? 'missing type' : typeof t === 'string' ? 'type of another kind or unknown' : 'type not a string', expect: unlessUnstorable({ ...body, t }, 'unknown_type'),
    build: (seq, now) => toBytes({ ...body, type: t, seq, ts: iso(now) }),
  })) } },
  { weight: 8, m: { name: 'wrong field type', arb: (body) => fc.constantFrom(...Object.keys(body).filter((k) => k !== 'type'), 'seq', 'ts').chain((f) => wrongTypeFor(f === 'seq' ? 1 : f === 'ts' ? 's' : body[f]).map((v) => ({
    mutation: `wrong type: ${f}`, expect: unlessUnstorable({ ...body, [f]: v }, 'schema'),
    build: (seq: number, now: number) => toBytes({ ...body, seq, ts: iso(now), [f]: v }),
  }))) } },
  { weight: 6, m: { name: 'number out of range', arb: (body) => fc.oneof(
    fc.constantFrom(-1, 1.5, 2 ** 53, 1e20, 1e308, -1e308, Number.MAX_VALUE).map((v) => ['seq', v] as const),
    // battery is a field of occupancy and heartbeat only, temperature of heartbeat only (elsewhere they are extras).
    ...(['occupancy', 'heartbeat'].includes(body.type as string) ? [fc.constantFrom(-0.001, 10.5, 1e308, -1e308).map((v) => ['battery', v] as const)] : []),
    ...(body.type === 'heartbeat' ? [fc.constantFrom(-61, 121, 1e300).map((v) => ['temperature', v] as const)] : []),
    ...(['bay', 'gate'].includes(body.type as string) ? [fc.constantFrom(-0.5, 1.01, 1e300).map((v) => ['confidence', v] as const)] : []),
  ).map(([f, v]) => ({
    mutation: `out of range: ${f}`, expect: unlessUnstorable(body, 'schema'),
    build: (seq: number, now: number) => toBytes({ ...body, seq, ts: iso(now), [f]: v }),
  })) } },
  { weight: 3, m: { name: 'huge number literal', arb: (body) => fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '9'.repeat(400)).map((lit) => ({
    // JSON.parse turns 1e400 into Infinity and a 30-digit integer into a float above 2^53: both fail the seq schema.
    mutation: 'huge seq literal', expect: unlessUnstorable(body, 'schema'),
    build: (_seq, now) => Buffer.from(JSON.stringify({ ...body, ts: iso(now) }).replace(/}$/, `,"seq":${lit}}`), 'utf8'),
  })) } },
  { weight: 6, m: { name: 'ts outside the window', arb: (body) => fc.oneof(
    fc.integer({ min: 10 * MIN, max: 365 * DAY }).map((d) => ['future', d] as const),
    fc.constantFrom(100 * 365 * DAY, 7000 * 365 * DAY).map((d) => ['future', d] as const),
    fc.integer({ min: 91 * DAY, max: 40 * 365 * DAY }).map((d) => ['past', -d] as const),
  ).map(([when, d]) => ({
    mutation: `ts far ${when}`, expect: unlessUnstorable(body, 'time_window'),
    build: (seq, now) => toBytes({ ...body, seq, ts: iso(now + d) }),
  })) } },
  { weight: 4, m: { name: 'ts malformed', arb: (body) => fc.oneof(
    fc.constantFrom('2026-11-23 08:00', '2026-11-23T08:00:00', '2026-13-45T25:61:61Z', '+275760-09-13T00:00:00Z', '', 'now', '2026-11-23T08:00:00Z '),
    nasty.filter((s) => s.length <= 40),
    fc.string({ minLength: 41, maxLength: 200 }),
  ).map((ts) => ({
    mutation: 'ts malformed', expect: unlessUnstorable({ ...body, ts }, 'schema'),
    build: (seq) => toBytes({ ...body, seq, ts }),
  })) } },
  { weight: 5, m: { name: 'truncated JSON', arb: (body) => fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }).map((cut) => ({
    mutation: 'truncated JSON', expect: 'invalid_json' as Expect,
    // Any proper prefix of a serialised object lacks its closing brace: never valid JSON.
    build: (seq, now) => { const b = toBytes({ ...body, seq, ts: iso(now) }); return b.subarray(0, Math.floor(cut * b.length)); },
  })) } },
  { weight: 4, m: { name: 'not one JSON object', arb: () => fc.oneof(
    fc.constantFrom('', '[]', 'null', '1', '"occupancy"', 'true', '[{"type":"occupancy"}]', '\ufeff{"type":"heartbeat"}', '{"type":"heartbeat",}', "{'type':'heartbeat'}", 'NaN').map((t) => Buffer.from(t, 'utf8')),
    // Random bytes after 0xfe, which is never UTF-8: the text starts with U+FFFD, never JSON.
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.concat([Buffer.from([0xfe]), b])),
  ).map((bytes) => ({
    mutation: 'not one JSON object', expect: 'invalid_json' as Expect,
    build: () => bytes,
  })) } },
  { weight: 3, m: { name: 'oversize', arb: (body) => fc.integer({ min: 4097, max: 6000 }).map((size) => ({
    mutation: 'oversize', expect: 'payload_too_large' as Expect,
    build: (seq, now) => { const b = toBytes({ ...body, seq, ts: iso(now), pad: '' }); return Buffer.from(b.toString('utf8').replace('"pad":""', `"pad":"${'x'.repeat(Math.max(0, size - b.length))}"`), 'utf8'); },
  })) } },
  { weight: 3, m: { name: 'deep nesting as the payload', arb: () => fc.integer({ min: 50, max: 2000 }).map((depth) => ({
    mutation: 'deeply nested payload', expect: 'invalid_json' as Expect,
    build: () => Buffer.from('['.repeat(depth) + ']'.repeat(depth), 'utf8'),
  })) } },
  { weight: 3, m: { name: 'invalid UTF-8', arb: (body) => fc.constantFrom([0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x00]).map((bytes) => ({
    // Raw bytes inside a string value of an extra field: decoded as U+FFFD (or a control NUL, which JSON forbids unescaped).
    mutation: bytes[0] === 0 ? 'raw NUL byte in a string' : 'invalid UTF-8 in a string', expect: bytes[0] === 0 ? 'invalid_json' : unlessUnstorable(body, 'stored'),
    build: (seq, now) => {
      const text = toBytes({ ...body, seq, ts: iso(now), note: '@MARK@' }).toString('utf8');
      const at = text.lastIndexOf('@MARK@');
      return Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bytes), Buffer.from(text.slice(at + 6))]);
    },
  })) } },
];

/** Mutations that only a bay camera can get wrong. */
const cameraOnly: Mutation = { name: 'bay not assigned', arb: (body) => fc.oneof(fc.constantFrom('ZZ-NOPE-0000-00', ''), nasty.filter((s) => s.length >= 1 && s.length <= 64)).map((bay) => ({
  mutation: 'bay not assigned', expect: unlessUnstorable({ ...body, bay }, bay === '' ? 'schema' : 'bay_not_assigned'),
  build: (seq, now) => toBytes({ ...body, type: 'bay', occupied: true, bay, seq, ts: iso(now) }),
})) };

/** One case: a device, a valid body for it, a mutation. */
export function payloadCase(devices: FuzzDevice[]): fc.Arbitrary<PayloadCase> {
  return fc.integer({ min: 0, max: devices.length - 1 }).chain((i) => {
    const device = devices[i];
    const mutations = device.kind === 'bay-camera' && device.bays?.length ? [...MUTATIONS, { weight: 3, m: cameraOnly }] : MUTATIONS;
    // Pick the mutation first, then build only its arbitrary: building all of them per case made
    // generation the slowest part of a run.
    const pick = fc.oneof(...mutations.map(({ weight, m }) => ({ weight, arbitrary: fc.constant(m) })));
    return fc.tuple(validBody(device), pick).chain(([body, m]) => m.arb(body, device)).map((c) => ({ ...c, device: i }));
  });
}

/** `n` cases from `seed`, reproducibly (fast-check's sample with a fixed seed). */
export function samplePayloads(devices: FuzzDevice[], n: number, seed: number): PayloadCase[] {
  return fc.sample(payloadCase(devices), { numRuns: n, seed });
}
