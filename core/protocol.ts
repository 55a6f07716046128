// The device protocol: THE contract between devices (and our simulators) and ingest.
// docs/device-protocol.md describes it for device makers; change both together.
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { FormatRegistry } from '@sinclair/typebox';

/** Largest payload we accept; bigger ones are dead-lettered (protects the broker's memory). */
export const MAX_PAYLOAD_BYTES = 4096;

/**
 * Event-time window, against the broker's clock at receipt. A device clock may drift a little, so
 * a ts up to 5 minutes ahead is taken; further ahead is a lie or a broken clock, and accepting it
 * would freeze the bay (later true events look "late") and push last_seen into the future.
 */
export const MAX_CLOCK_AHEAD_MS = 5 * 60_000;
/**
 * Oldest ts we take: the raw-event retention (migrations/timescaledb/003 and postgres/003, 90 days). An older event
 * would be dropped by the next retention run anyway, so it is dead-lettered, not stored.
 */
export const MAX_EVENT_AGE_MS = 90 * 24 * 60 * 60_000;

// Event time must say its zone (RFC 3339): a bare local time is ambiguous across devices.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/i;
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)));

export const DEVICE_KINDS = ['bay-sensor', 'bay-camera', 'gate-camera', 'gateway'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export const eventsTopic = (deviceId: string) => `devices/${deviceId}/events`;
export const commandsTopic = (deviceId: string) => `devices/${deviceId}/commands`;

const Envelope = {
  /** Per-device sequence number, increasing; (device, seq) identifies a message. */
  seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  /** Event time as the device saw it, ISO-8601 with offset or Z. */
  ts: Type.String({ format: 'date-time', maxLength: 40 }),
};
const Battery = Type.Number({ minimum: 0, maximum: 10, description: 'volts' });
const PlateColor = Type.Union(['blue', 'green', 'yellow', 'white', 'black'].map((c) => Type.Literal(c)));
const Confidence = Type.Number({ minimum: 0, maximum: 1 });
const Plate = Type.String({ minLength: 1, maxLength: 16 });
const ImageRef = Type.String({ maxLength: 512 });

export const OccupancyMessage = Type.Object({
  type: Type.Literal('occupancy'), ...Envelope,
  occupied: Type.Boolean(),
  battery: Type.Optional(Battery),
});
export const HeartbeatMessage = Type.Object({
  type: Type.Literal('heartbeat'), ...Envelope,
  battery: Type.Optional(Battery),
  temperature: Type.Optional(Type.Number({ minimum: -60, maximum: 120, description: '°C' })),
  firmware: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'firmware version, shown on the device\'s console page' })),
  occupied: Type.Optional(Type.Boolean({ description: 'a bay sensor\'s reading now: a lost change of state is healed within one interval' })),
});
export const BayCameraMessage = Type.Object({
  type: Type.Literal('bay'), ...Envelope,
  bay: Type.String({ minLength: 1, maxLength: 64 }),
  occupied: Type.Boolean(),
  plate: Type.Optional(Plate),
  plateColor: Type.Optional(PlateColor),
  confidence: Type.Optional(Confidence),
  image: Type.Optional(ImageRef),
});
export const GateCameraMessage = Type.Object({
  type: Type.Literal('gate'), ...Envelope,
  direction: Type.Union([Type.Literal('in'), Type.Literal('out')]),
  plate: Plate,
  plateColor: Type.Optional(PlateColor),
  confidence: Type.Optional(Confidence),
  image: Type.Optional(ImageRef),
});

export type OccupancyMessage = Static<typeof OccupancyMessage>;
export type HeartbeatMessage = Static<typeof HeartbeatMessage>;
export type BayCameraMessage = Static<typeof BayCameraMessage>;
export type GateCameraMessage = Static<typeof GateCameraMessage>;
export type DeviceMessage = OccupancyMessage | HeartbeatMessage | BayCameraMessage | GateCameraMessage;
/**
 * A camera's read as ingest stores it: `plate` normalised (core/plates.ts) and, when that took an I
 * or O in the serial for 1 or 0, the text the camera sent in `plateAsRead` (the plate rules weigh
 * such a read as a misread). Set by ingest only; a device's own `plateAsRead` is dropped.
 */
export interface StoredPlateRead { plateAsRead?: string }

/** Which message types each device kind may send. */
export const MESSAGES_BY_KIND: Record<DeviceKind, Record<string, ReturnType<typeof TypeCompiler.Compile>>> = {
  'bay-sensor': { occupancy: TypeCompiler.Compile(OccupancyMessage), heartbeat: TypeCompiler.Compile(HeartbeatMessage) },
  'bay-camera': { bay: TypeCompiler.Compile(BayCameraMessage), heartbeat: TypeCompiler.Compile(HeartbeatMessage) },
  'gate-camera': { gate: TypeCompiler.Compile(GateCameraMessage), heartbeat: TypeCompiler.Compile(HeartbeatMessage) },
  // A gateway reports its own health; its children's messages are validated as the child's kind.
  gateway: { heartbeat: TypeCompiler.Compile(HeartbeatMessage) },
};

/**
 * Why a message was dead-lettered, as a code from a fixed set: the label of
 * onelot_mqtt_messages_rejected_total on the public /metrics. The reason sentence quotes what the
 * device sent, so it stays in the dead-letter row only: a device-chosen label value would let any
 * device write into /metrics and grow its series without bound.
 */
export const REJECT_CODES = ['payload_too_large', 'invalid_json', 'unknown_type', 'schema', 'time_window', 'not_installed', 'bay_not_assigned'] as const;
export type RejectCode = (typeof REJECT_CODES)[number];
export type Rejection = { ok: false; code: RejectCode; reason: string };

/** `text`: the payload as received (UTF-8 decoded), the message's JSON as the device wrote it. */
export type ParseResult = { ok: true; message: DeviceMessage; eventTime: Date; text: string } | Rejection;


/**
 * Validate one payload from a device of `kind`. Pure: no I/O. The reason is a sentence a device
 * maker can act on; it is stored with the dead letter. With `receivedAt` (the broker's clock), a
 * ts outside the event-time window (MAX_CLOCK_AHEAD_MS, MAX_EVENT_AGE_MS) is refused too.
 */
export function parseDeviceMessage(kind: DeviceKind, payload: Buffer | string, receivedAt?: Date): ParseResult {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > MAX_PAYLOAD_BYTES) return { ok: false, code: 'payload_too_large', reason: `payload is ${size} bytes; the limit is ${MAX_PAYLOAD_BYTES}` };
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, code: 'invalid_json', reason: `payload is not valid JSON (${(err as Error).message})` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, code: 'invalid_json', reason: 'payload must be one JSON object' };
  if (!storableJson(text, data)) return { ok: false, code: 'invalid_json', reason: 'payload holds a NUL character (\\u0000) or an unpaired UTF-16 surrogate (\\ud800–\\udfff), which no text column can store; send text without them' };
  const type = (data as { type?: unknown }).type;
  const allowed = MESSAGES_BY_KIND[kind];
  if (typeof type !== 'string') return { ok: false, code: 'unknown_type', reason: 'missing "type" (one of: ' + Object.keys(allowed).join(', ') + ')' };
  const check = allowed[type];
  if (!check) return { ok: false, code: 'unknown_type', reason: `a ${kind} may not send type "${type}" (allowed: ${Object.keys(allowed).join(', ')})` };
  if (!check.Check(data)) {
    const e = check.Errors(data).First();
    const field = e?.path ? e.path.replace(/^\//, '') : '';
    if (field === 'ts') return { ok: false, code: 'schema', reason: `invalid "${type}" message: ts must be an ISO-8601 date-time with a time zone, e.g. 2026-11-23T08:00:00Z` };
    return { ok: false, code: 'schema', reason: `invalid "${type}" message: ${field ? `field "${field}"` : 'payload'}: ${e?.message ?? 'is invalid'}` };
  }
  const msg = data as DeviceMessage;
  const eventTime = new Date(msg.ts);
  const window = receivedAt ? outsideTimeWindow(eventTime.getTime(), receivedAt.getTime()) : undefined;
  return window ? { ok: false, code: 'time_window', reason: window } : { ok: true, message: msg, eventTime, text };
}

/**
 * Whether every key and string in a parsed payload can be stored as PostgreSQL text/jsonb: no NUL
 * and no unpaired surrogate (JSON allows both as escapes; PostgreSQL refuses them, and one such
 * event failed the whole group commit it was in, found by `npm run fuzz`). JSON.parse refuses a raw
 * NUL (a control character) and UTF-8 decoding never yields a lone surrogate, so only a `\u`
 * escape — or a JS string given as it is — can bring either: text without them needs no walk.
 */
function storableJson(text: string, data: unknown): boolean {
  if (!text.includes('\\u') && wellFormed(text)) return true;
  return storableText(data);
}

/** No unpaired surrogate (String.prototype.isWellFormed, Node 20; not yet in TypeScript's lib here). */
const wellFormed = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed();

/** storableJson's walk over every key and string. Iterative: a 4 KiB payload may nest 2,000 levels deep. */
function storableText(root: unknown): boolean {
  const ok = (s: string) => !s.includes('\u0000') && wellFormed(s);
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') { if (!ok(v)) return false; } else if (Array.isArray(v)) stack.push(...v);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { if (!ok(k)) return false; stack.push(x); }
  }
  return true;
}

/** Why an event time is outside the window around `now`, or undefined when inside. */
function outsideTimeWindow(t: number, now: number): string | undefined {
  if (t - now > MAX_CLOCK_AHEAD_MS) return `ts is more than ${MAX_CLOCK_AHEAD_MS / 60_000} minutes ahead of the platform clock; set the device clock (NTP)`;
  if (now - t > MAX_EVENT_AGE_MS) return `ts is older than the ${MAX_EVENT_AGE_MS / 86_400_000}-day raw-event retention; it would not be kept`;
  return undefined;
}
