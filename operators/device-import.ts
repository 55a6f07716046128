// Devices in bulk from a CSV (a header row naming id, kind, and as the kind needs lot_id, bay_code,
// bays — separated by spaces or `;` —, lane, gateway_id). Each row is registered like one
// POST /devices; a row that cannot be is reported with why, and the others still go in.
import { parse } from 'csv-parse/sync';
import { Value } from '@sinclair/typebox/value';
import type { Pool } from '../core/db/index.ts';
import type { BrokerAccounts } from '../core/device-accounts.ts';
import { OneLotError } from '../core/errors.ts';
import { registerDevice } from './devices.ts';
import type { Writer } from './tenant.ts';
import { DeviceInput, type DeviceImport } from './http/schemas.ts';

const MAX_DEVICES_PER_IMPORT = 2000;

export async function importDevices(pool: Pool, by: Writer, text: string, accounts?: BrokerAccounts): Promise<DeviceImport> {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase().replace(/[\s-]/g, '_')), skip_empty_lines: true, trim: true, bom: true, relax_column_count: true });
  } catch (err) {
    throw new OneLotError('ONELOT_ERR_VALIDATION', `the CSV cannot be read: ${(err as Error).message}`);
  }
  if (records.length > MAX_DEVICES_PER_IMPORT) throw new OneLotError('ONELOT_ERR_VALIDATION', `${records.length} rows is more than ${MAX_DEVICES_PER_IMPORT}; import them in parts`);
  if (records.length && !('id' in records[0] && 'kind' in records[0])) throw new OneLotError('ONELOT_ERR_VALIDATION', 'the CSV header needs `id` and `kind` columns (and lot_id, bay_code, bays, lane, gateway_id as the kinds need)');
  const rows = records.map((r, i) => ({ row: i + 2, input: toInput(r) }));
  // Gateways first, so a child row may name a gateway registered by the same file.
  rows.sort((a, b) => Number(b.input.kind === 'gateway') - Number(a.input.kind === 'gateway') || a.row - b.row);
  const out: DeviceImport = { created: [], refused: [] };
  for (const { row, input } of rows) {
    const id = String(input.id ?? '');
    if (!Value.Check(DeviceInput, input)) {
      const e = [...Value.Errors(DeviceInput, input)][0];
      out.refused.push({ row, code: id, why: 'invalid-field', field: e.path.slice(1) || undefined, reason: `${e.path.slice(1) || 'row'}: ${e.message}` });
      continue;
    }
    try {
      const { secret } = await registerDevice(pool, by, input, accounts);
      out.created.push({ id, secret });
    } catch (err) {
      if (!(err instanceof OneLotError) || err.statusCode >= 500) throw err;
      out.refused.push({ row, code: id, why: err.code, reason: err.message });
    }
  }
  out.refused.sort((a, b) => a.row - b.row);
  return out;
}

function toInput(r: Record<string, string>): Record<string, unknown> {
  const v = (k: string) => (r[k] ? r[k] : undefined);
  const bays = v('bays')?.split(/[\s;]+/).filter(Boolean);
  const input: Record<string, unknown> = { id: r.id, kind: r.kind, lotId: v('lot_id') ?? v('lot'), bayCode: v('bay_code') ?? v('bay'), bays, lane: v('lane'), gatewayId: v('gateway_id') ?? v('gateway') };
  for (const k of Object.keys(input)) if (input[k] === undefined) delete input[k];
  return input;
}
