// The fuzz run's verdicts and its printed report. Each check is a sentence with the figures that
// decide it; the run passes when all pass.
import type { ApiPhaseResult } from './api-phase.ts';
import type { DeviceCounts } from './database.ts';
import type { PacketPhaseResult } from './packet-phase.ts';
import type { PayloadPhaseResult } from './payload-phase.ts';
import type { RealDeviceResult } from './real-device.ts';

export interface Memory { rssBeforeMB: number; rssAfterMB: number; rssPeakMB: number; heapBeforeMB: number; heapAfterMB: number }
export interface Check { name: string; pass: boolean; detail: string }

export interface FuzzFindings {
  seed: number;
  payloads?: PayloadPhaseResult & { found: DeviceCounts; rejectedByCode: Map<string, number> };
  packets?: PacketPhaseResult;
  api?: ApiPhaseResult;
  crashed: string | null;
  healthz: number | null;
  realDevice: RealDeviceResult;
  memory: Memory;
}

/**
 * Memory is flat when the platform's JS heap after the run (after a GC the run waits for) is within
 * 64 MB of where it started, and its RSS within 256 MB: the embedded database's WebAssembly memory
 * grows with the rows written (100,000 events) and never shrinks, so RSS alone cannot be flat.
 */
export const HEAP_GROWTH_MB = 64;
export const RSS_GROWTH_MB = 256;

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

function payloadChecks(p: NonNullable<FuzzFindings['payloads']>): Check[] {
  const wrongDevices = [...p.expectStored.keys()].filter((id) => (p.found.stored.get(id) ?? 0) !== p.expectStored.get(id) || (p.found.dead.get(id) ?? 0) !== p.expectDead.get(id));
  const codes = [...p.byCode.keys()].filter((c) => c !== 'stored');
  const wrongCodes = codes.filter((c) => (p.rejectedByCode.get(c) ?? 0) !== p.byCode.get(c));
  const noReason = p.found.reasons.filter((r) => r.reason.trim().length < 10).length;
  return [
    { name: 'every device message acknowledged', pass: p.unacked === 0, detail: `${p.acked} of ${p.sent} acknowledged${p.unacked ? `; ${p.unacked} lost: ${p.unackedSamples.join(' | ')}` : ''}` },
    { name: 'stored and dead-lettered exactly as the protocol says, per device', pass: wrongDevices.length === 0,
      detail: `stored ${sum(p.found.stored)} (expected ${sum(p.expectStored)}), dead letters ${sum(p.found.dead)} (expected ${sum(p.expectDead)})${wrongDevices.length ? `; wrong on ${wrongDevices.slice(0, 5).map((id) => `${id}: stored ${p.found.stored.get(id) ?? 0}/${p.expectStored.get(id)}, dead ${p.found.dead.get(id) ?? 0}/${p.expectDead.get(id)}`).join(', ')}` : ''}` },
    { name: 'every dead letter counted under its code (/metrics)', pass: wrongCodes.length === 0, detail: codes.map((c) => `${c} ${p.rejectedByCode.get(c) ?? 0}/${p.byCode.get(c)}`).join(', ') },
    { name: 'every dead letter has a reason', pass: noReason === 0, detail: `${p.found.reasons.length - noReason} of ${p.found.reasons.length} with a reason` },
    { name: 'foreign topics closed, nothing stored', pass: p.refused.acked === 0 && p.refused.closed === p.refused.attempted, detail: `${p.refused.closed} of ${p.refused.attempted} connections closed unacknowledged` },
  ];
}

export function checks(f: FuzzFindings): Check[] {
  const out: Check[] = [];
  if (f.payloads) out.push(...payloadChecks(f.payloads));
  if (f.packets) out.push({ name: 'malformed MQTT packets: broker kept accepting connections', pass: f.packets.failures === 0, detail: `${f.packets.sent} packets, ${f.packets.failures} failures${f.packets.failureSamples.length ? ': ' + f.packets.failureSamples.join(' | ') : ''}` });
  if (f.api) {
    out.push({ name: 'API: no 5xx', pass: f.api.serverErrors === 0 && f.api.noAnswer === 0, detail: `${f.api.sent} requests over ${f.api.operations} operations: ${f.api.serverErrors} 5xx, ${f.api.noAnswer} unanswered (apart: ${f.api.closedMidUpload} over-limit bodies cut off after the 413, ${f.api.healthzUnavailable} /healthz 503 from its 2 s database probe)` });
    out.push({ name: 'API: every 4xx is { error: { code, message } }', pass: f.api.badErrorBodies === 0, detail: `${f.api.badErrorBodies} without it` });
  }
  const m = f.memory;
  out.push(
    { name: 'no crash', pass: f.crashed === null && f.healthz === 200, detail: f.crashed ?? `platform alive, GET /healthz ${f.healthz}` },
    { name: 'memory flat', pass: m.heapAfterMB - m.heapBeforeMB <= HEAP_GROWTH_MB && m.rssAfterMB - m.rssBeforeMB <= RSS_GROWTH_MB,
      detail: `heap ${m.heapBeforeMB} → ${m.heapAfterMB} MB (≤ +${HEAP_GROWTH_MB}), RSS ${m.rssBeforeMB} → ${m.rssAfterMB} MB (≤ +${RSS_GROWTH_MB}), peak ${m.rssPeakMB} MB` },
    { name: 'a real device still served', pass: f.realDevice.ok, detail: f.realDevice.detail + (f.realDevice.pubackMs !== undefined ? ` (PUBACK ${f.realDevice.pubackMs} ms, on the API after ${f.realDevice.visibleMs ?? '—'} ms)` : '') },
  );
  return out;
}

const table = (rows: Array<[string, ...Array<string | number>]>) => rows.map((r) => `  ${String(r[0]).padEnd(36)} ${r.slice(1).map((c) => String(c).padStart(8)).join(' ')}`).join('\n');

/** Dead-letter reasons with what the device sent taken out (quoted values, numbers), most common first. */
function reasonShapes(found: DeviceCounts): Array<[string, number]> {
  const shapes = new Map<string, number>();
  for (const { reason } of found.reasons) {
    const shape = reason.replace(/"[^"]*"/g, '"…"').replace(/\([^)]*\)/g, '(…)').replace(/\d+/g, 'N').slice(0, 90);
    shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
  }
  return [...shapes.entries()].sort((a, b) => b[1] - a[1]);
}

export function formatReport(f: FuzzFindings, results: Check[]): string {
  const lines = [`OneLot fuzz report (seed ${f.seed}; rerun with --seed ${f.seed})`];
  if (f.payloads) {
    const p = f.payloads;
    lines.push(`\nDevice payloads: ${p.sent} in ${p.seconds.toFixed(1)} s over ${p.expectStored.size} devices (${Math.round(p.sent / p.seconds)}/s), ${p.refused.attempted} to foreign topics; ${p.throttled.n} CONNECTs answered 3 by the per-device connect limit and retried`,
      table([['mutation', 'sent', 'expect'], ...[...p.byMutation.entries()].sort((a, b) => b[1].n - a[1].n).map(([k, v]) => [k, v.n, v.expect] as [string, number, string])]),
      '  dead-letter reasons found (by shape):', table(reasonShapes(p.found).slice(0, 14).map(([s, n]) => [s, n])));
  }
  if (f.packets) {
    const k = f.packets;
    lines.push(`\nMalformed MQTT packets: ${k.sent} connections, ${(k.bytesSent / 1e6).toFixed(1)} MB in ${k.seconds.toFixed(1)} s`,
      table([['category', 'sent', 'closed', 'refused', 'open'], ...[...k.byCategory.entries()].map(([c, v]) => [c, v.n, v.closedByBroker, v.refused, v.leftOpen] as [string, number, number, number, number])]));
  }
  if (f.api) {
    const a = f.api;
    lines.push(`\nAPI requests from /docs/json: ${a.sent} over ${a.operations} operations in ${a.seconds.toFixed(1)} s; status: ${[...a.byStatus.entries()].sort((x, y) => x[0] - y[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`);
    if (a.samples.length) lines.push('  problems:', ...a.samples.map((s) => `    ${s}`));
  }
  lines.push('', ...results.map((c) => `${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`), '', results.every((c) => c.pass) ? 'PASS' : 'FAIL');
  return lines.join('\n');
}
