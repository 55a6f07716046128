import { describe, it, expect } from 'vitest';
import { parseDeviceMessage, MAX_PAYLOAD_BYTES, MAX_CLOCK_AHEAD_MS, MAX_EVENT_AGE_MS } from './protocol.ts';

const ts = '2026-11-23T08:00:00.000Z';
const ok = (kind: Parameters<typeof parseDeviceMessage>[0], msg: object) => parseDeviceMessage(kind, JSON.stringify(msg));

describe('parseDeviceMessage', () => {
  it('accepts every message each device kind may send', () => {
    expect(ok('bay-sensor', { type: 'occupancy', seq: 1, ts, occupied: true, battery: 3.61 }).ok).toBe(true);
    expect(ok('bay-sensor', { type: 'heartbeat', seq: 2, ts, battery: 3.6, temperature: 21 }).ok).toBe(true);
    expect(ok('bay-camera', { type: 'bay', seq: 3, ts, bay: 'ZZ-JS-0012-03', occupied: true, plate: '豫A12345', plateColor: 'blue', confidence: 0.97, image: 'img/1.jpg' }).ok).toBe(true);
    expect(ok('gate-camera', { type: 'gate', seq: 4, ts, direction: 'out', plate: '豫AD12345', plateColor: 'green', confidence: 0.93 }).ok).toBe(true);
    expect(ok('gate-camera', { type: 'gate', seq: 4, ts: '2026-11-23T16:00:00+08:00', direction: 'in', plate: '豫A12345' }).ok).toBe(true);
  });

  it('returns the event time as a Date', () => {
    const r = ok('bay-sensor', { type: 'occupancy', seq: 1, ts: '2026-11-23T16:00:00+08:00', occupied: false });
    expect(r.ok && r.eventTime.toISOString()).toBe('2026-11-23T08:00:00.000Z');
  });

  it.each([
    ['bay-sensor', '{', /not valid JSON/],
    ['bay-sensor', '"text"', /one JSON object/],
    ['bay-sensor', 'null', /one JSON object/],
    ['bay-sensor', JSON.stringify({ seq: 1, ts }), /missing "type"/],
    ['bay-sensor', JSON.stringify({ type: 'gate', seq: 1, ts, direction: 'in', plate: '豫A12345' }), /a bay-sensor may not send type "gate"/],
    ['bay-sensor', JSON.stringify({ type: 'occupancy', seq: 1, ts }), /field "occupied"/],
    ['bay-sensor', JSON.stringify({ type: 'occupancy', seq: -1, ts, occupied: true }), /field "seq"/],
    ['bay-sensor', JSON.stringify({ type: 'occupancy', seq: 1.5, ts, occupied: true }), /field "seq"/],
    ['bay-sensor', JSON.stringify({ type: 'occupancy', seq: 1, ts: '2026-11-23 08:00', occupied: true }), /ts must be an ISO-8601/],
    ['bay-sensor', JSON.stringify({ type: 'occupancy', seq: 1, ts: '2026-11-23T08:00:00', occupied: true }), /ts must be an ISO-8601/],
    ['bay-sensor', JSON.stringify({ type: 'occupancy', seq: 1, ts, occupied: 'yes' }), /field "occupied"/],
    ['bay-camera', JSON.stringify({ type: 'bay', seq: 1, ts, occupied: true }), /field "bay"/],
    ['bay-camera', JSON.stringify({ type: 'bay', seq: 1, ts, bay: 'X', occupied: true, plateColor: 'purple' }), /field "plateColor"/],
    ['bay-camera', JSON.stringify({ type: 'bay', seq: 1, ts, bay: 'X', occupied: true, confidence: 1.5 }), /field "confidence"/],
    ['gate-camera', JSON.stringify({ type: 'gate', seq: 1, ts, direction: 'sideways', plate: '豫A12345' }), /field "direction"/],
    ['gate-camera', JSON.stringify({ type: 'gate', seq: 1, ts, direction: 'in' }), /field "plate"/],
  ] as const)('%s rejects %s', (kind, payload, reason) => {
    const r = parseDeviceMessage(kind, payload);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('rejects oversize payloads before parsing them', () => {
    const r = parseDeviceMessage('bay-sensor', Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20));
    expect(r).toEqual({ ok: false, code: 'payload_too_large', reason: `payload is ${MAX_PAYLOAD_BYTES + 1} bytes; the limit is ${MAX_PAYLOAD_BYTES}` });
  });
});

describe('the event-time window', () => {
  const now = new Date('2026-11-29T12:00:00.000Z');
  const at = (t: number) => parseDeviceMessage('bay-sensor', JSON.stringify({ type: 'occupancy', seq: 1, ts: new Date(t).toISOString(), occupied: true }), now);

  it('takes a ts up to MAX_CLOCK_AHEAD_MS ahead and up to MAX_EVENT_AGE_MS old', () => {
    expect(at(now.getTime() + MAX_CLOCK_AHEAD_MS).ok).toBe(true);
    expect(at(now.getTime() - MAX_EVENT_AGE_MS).ok).toBe(true);
  });

  it('refuses a ts further ahead, naming the limit (a year-2999 clock froze a bay)', () => {
    expect(at(now.getTime() + MAX_CLOCK_AHEAD_MS + 1)).toEqual({ ok: false, code: 'time_window', reason: expect.stringMatching(/more than 5 minutes ahead/) });
    const r = parseDeviceMessage('bay-sensor', JSON.stringify({ type: 'occupancy', seq: 1, ts: '2999-01-01T00:00:00Z', occupied: true }), now);
    expect(r.ok).toBe(false);
  });

  it('refuses a ts older than the raw-event retention, naming it', () => {
    expect(at(now.getTime() - MAX_EVENT_AGE_MS - 1)).toEqual({ ok: false, code: 'time_window', reason: expect.stringMatching(/older than the 90-day raw-event retention/) });
  });

  it('is not applied without a receipt time (validating a payload alone)', () => {
    expect(at(Date.parse('2999-01-01T00:00:00Z')).ok).toBe(false);
    expect(parseDeviceMessage('bay-sensor', JSON.stringify({ type: 'occupancy', seq: 1, ts: '2999-01-01T00:00:00Z', occupied: true })).ok).toBe(true);
  });

  it('refuses text PostgreSQL cannot store (NUL, unpaired surrogates), in values, keys and nested extras', () => {
    const base = { type: 'heartbeat', seq: 1, ts };
    for (const extra of [{ note: '\u0000' }, { note: 'x\ud800' }, { ['\udc00']: 1 }, { deep: [[{ a: ['\u0000'] }]] }]) {
      const r = ok('bay-sensor', { ...extra, ...base });
      expect(r.ok ? 'ok' : `${r.code}: ${r.reason}`).toMatch(/^invalid_json: payload holds a NUL character/);
    }
    // A surrogate pair (an emoji) and an escaped backslash-u are text like any other.
    expect(ok('bay-sensor', { note: '📡 \\u0000', ...base }).ok).toBe(true);
    // Not only as escapes: a JS string may hold a lone surrogate as it is (bytes cannot: UTF-8
    // decoding makes it U+FFFD, which is stored like any character).
    const raw = `{"type":"heartbeat","seq":1,"ts":"${ts}","note":"x\ud800"}`;
    expect(raw.includes('\\u')).toBe(false);
    expect(parseDeviceMessage('bay-sensor', raw).ok).toBe(false);
    expect(parseDeviceMessage('bay-sensor', Buffer.from([...Buffer.from(raw.slice(0, -3)), 0xed, 0xa0, 0x80, 0x22, 0x7d])).ok).toBe(true);
  });

  it('hands back the text it parsed, the JSON the device wrote', () => {
    const text = ` { "type": "occupancy", "seq": 7, "ts": "${ts}", "occupied": true, "note": "豫A\\u0031" } `;
    const r = parseDeviceMessage('bay-sensor', Buffer.from(text));
    expect(r.ok && r.text).toBe(text);
  });
});
