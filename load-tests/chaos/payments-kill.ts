// Scenario 2 — kill -9 in the middle of contactless charging and webhooks. Contactless drivers
// (plate, default payment method, "leave and go" on) park and leave through the demo lots' gate
// cameras over MQTT; each exit issues an invoice that payments charges at once at the provider
// (scripts/provider-sim.ts, its own process, answering each charge after a delay and by signed
// webhook). At a seeded moment, with charges created, pending and webhooks in flight, the platform
// gets SIGKILL. It restarts on the same data and ports; the gate cameras resend what was not
// acknowledged; the recovery scan and the auto-charger finish the rest. Required (payments/charging.ts):
// every invoice paid, exactly one successful charge per invoice at the provider and in OneLot's
// books, no invoice paid twice, and the provider's total equal to the invoices' total.
import { readFileSync } from 'node:fs';
import type { CredentialsFile } from '../../seed/city-loader.ts';
import { RawMqttClient } from '../lib/raw-mqtt.ts';
import type { ProviderProcess } from '../lib/provider-process.ts';
import { result, until, type Harness, type Platform, type ScenarioResult } from './harness.ts';

interface Exit { gate: string; seq: number; body: string }

const plateOf = (i: number) => `豫C${String(10_000 + i).padStart(5, '0')}`;

async function contactlessDrivers(p: Platform, plates: string[]): Promise<void> {
  await p.db.query(
    `WITH x AS (SELECT * FROM unnest($1::text[], $2::text[]) AS t(phone, plate)),
          d AS (INSERT INTO drivers (phone, password_hash) SELECT phone, '!disabled' FROM x RETURNING id, phone),
          -- Claimed a day ago: contactless covers only stays since the claim (payments/auto-charger.ts),
          -- and the stays below began 2–5 h ago.
          p AS (INSERT INTO driver_plates (plate, driver_id, contactless, added_at, claimed_at)
                SELECT x.plate, d.id, true, now() - interval '1 day', now() - interval '1 day' FROM x JOIN d USING (phone))
     INSERT INTO payment_methods (driver_id, provider, token, label, is_default) SELECT id, 'simpay', 'tok_ok_pm_chaos', 'Chaos ****0000', true FROM d`,
    [plates.map((_, k) => `177${String(k).padStart(8, '0')}`), plates]);
}

/** Publish each gate's messages in order, one in flight per gate; returns the keys acknowledged. */
async function drive(mqttUrl: string, creds: Map<string, string>, byGate: Map<string, Exit[]>, acked: Set<string>): Promise<void> {
  await Promise.all([...byGate].map(async ([gate, msgs]) => {
    let c: RawMqttClient;
    try {
      c = await RawMqttClient.connect(mqttUrl, { clientId: gate, username: gate, password: creds.get(gate)! });
    } catch {
      return;
    }
    for (const m of msgs) {
      if (acked.has(`${gate}|${m.seq}`)) continue;
      const ok = await new Promise<boolean>((resolve) => c.publish(`devices/${gate}/events`, m.body, (err) => resolve(!err)));
      if (!ok) return;
      acked.add(`${gate}|${m.seq}`);
    }
    await c.end();
  }));
}

export async function paymentsKill(h: Harness, platform: Platform, o: { invoices: number; random: () => number; provider: ProviderProcess }): Promise<{ result: ScenarioResult; platform: Platform }> {
  const creds = JSON.parse(readFileSync(platform.credentialsFile, 'utf8')) as CredentialsFile;
  const gates = creds.devices.filter((d) => d.kind === 'gate-camera');
  const secrets = new Map(gates.map((g) => [g.id, g.secret]));
  const plates = Array.from({ length: o.invoices }, (_, i) => plateOf(i));
  await contactlessDrivers(platform, plates);
  let seq = Date.now() * 10;
  const message = (gate: string, plate: string, direction: 'in' | 'out', ts: Date): Exit => {
    const s = ++seq;
    return { gate, seq: s, body: JSON.stringify({ type: 'gate', seq: s, ts: ts.toISOString(), direction, plate, plateColor: 'blue', confidence: 0.97 }) };
  };
  const group = (msgs: Exit[]) => {
    const m = new Map<string, Exit[]>();
    for (const x of msgs) m.set(x.gate, [...(m.get(x.gate) ?? []), x]);
    return m;
  };
  // Stays of 2–5 h (never inside a free first period), each plate in and out at one gate.
  const ins = plates.map((pl, i) => message(gates[i % gates.length].id, pl, 'in', new Date(Date.now() - (2 + 3 * o.random()) * 3600_000)));
  const acked = new Set<string>();
  await drive(platform.mqttUrl, secrets, group(ins), acked);
  const outs = group(plates.map((pl, i) => message(gates[i % gates.length].id, pl, 'out', new Date())));

  // Kill once a seeded share of the invoices has a charge row (charging and webhooks in full swing).
  const share = 0.2 + 0.4 * o.random();
  const charged = async () => (await platform.db.query<{ n: number }>(
    'SELECT count(DISTINCT c.invoice_id)::int AS n FROM charges c JOIN invoices i ON i.id = c.invoice_id WHERE i.plate = ANY($1::text[])', [plates])).rows[0].n;
  const exits = drive(platform.mqttUrl, secrets, outs, acked);
  await until(async () => (await charged()) >= share * o.invoices, 30_000, 50);
  const atKill = await platform.db.query<{ status: string; n: number }>(
    'SELECT c.status, count(*)::int AS n FROM charges c JOIN invoices i ON i.id = c.invoice_id WHERE i.plate = ANY($1::text[]) GROUP BY 1', [plates]);
  const exitsAcked = [...acked].length - ins.length;
  h.log(`payments-kill: ${exitsAcked} exits acknowledged, charges ${JSON.stringify(atKill.rows)}; kill -9 the platform`);
  await h.kill9(platform);
  await exits;

  const restarted = await h.start();
  await drive(restarted.mqttUrl, secrets, outs, acked); // the cameras resend what was not acknowledged
  const paidAll = await until(async () => (await restarted.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM invoices WHERE plate = ANY($1::text[]) AND status = 'paid'`, [plates])).rows[0].n >= o.invoices, 90_000, 500);
  return { platform: restarted, result: await verify(restarted, o.provider, plates, { paidAll, atKill: atKill.rows, share }) };
}

async function verify(p: Platform, provider: ProviderProcess, plates: string[], at: { paidAll: boolean; atKill: Array<{ status: string; n: number }>; share: number }): Promise<ScenarioResult> {
  const invoices = (await p.db.query<{ id: number; status: string; amount_fen: number }>(
    'SELECT id, status, amount_fen FROM invoices WHERE plate = ANY($1::text[])', [plates])).rows;
  const ids = invoices.map((i) => String(i.id));
  const ours = (await p.db.query<{ invoice_id: number; provider_charge_id: string | null }>(
    `SELECT invoice_id, provider_charge_id FROM charges WHERE invoice_id = ANY($1::bigint[]) AND status = 'succeeded'`, [ids])).rows;
  const ledger = (await provider.ledger()).filter((c) => ids.includes(c.metadata.invoice_id));
  const succeeded = ledger.filter((c) => c.status === 'succeeded');
  const perInvoice = new Map<string, number>();
  for (const c of succeeded) perInvoice.set(c.metadata.invoice_id, (perInvoice.get(c.metadata.invoice_id) ?? 0) + 1);
  const twiceAtProvider = [...perInvoice.values()].filter((n) => n > 1).length;
  const oursPer = new Map<number, number>();
  for (const c of ours) oursPer.set(c.invoice_id, (oursPer.get(c.invoice_id) ?? 0) + 1);
  const twiceOurs = [...oursPer.values()].filter((n) => n > 1).length;
  const paid = invoices.filter((i) => i.status === 'paid').length;
  const providerIds = new Set(succeeded.map((c) => c.id));
  const booksDisagree = ours.filter((c) => !c.provider_charge_id || !providerIds.has(c.provider_charge_id)).length + Math.abs(succeeded.length - ours.length);
  const invoiced = invoices.filter((i) => i.status === 'paid').reduce((s, i) => s + i.amount_fen, 0);
  const captured = succeeded.reduce((s, c) => s + c.amount_fen, 0);
  return result('kill -9 during contactless charging and webhooks', [
    { name: 'contactless exits (invoices)', value: `${plates.length} (${invoices.length} issued)`, pass: invoices.length === plates.length, want: String(plates.length) },
    { name: 'charges at the kill', value: at.atKill.map((r) => `${r.n} ${r.status}`).join(', ') || 'none', pass: at.atKill.length > 0, want: 'some' },
    { name: 'invoices paid after restart', value: paid, pass: at.paidAll && paid === plates.length, want: String(plates.length) },
    { name: 'invoices with >1 successful charge at the provider', value: twiceAtProvider, pass: twiceAtProvider === 0, want: '0' },
    { name: 'invoices with >1 successful charge in OneLot', value: twiceOurs, pass: twiceOurs === 0, want: '0' },
    { name: 'provider charges (all / succeeded)', value: `${ledger.length} / ${succeeded.length}` },
    { name: "OneLot's books vs the provider's (charges that disagree)", value: booksDisagree, pass: booksDisagree === 0, want: '0' },
    { name: 'captured vs invoiced', value: `¥${(captured / 100).toFixed(2)} / ¥${(invoiced / 100).toFixed(2)}`, pass: captured === invoiced, want: 'equal' },
  ]);
}
