// Billing's public routes: what a plate owes (only what is needed to pay it), and what a lot charges — no account needed.
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { OneLotError } from '../../core/errors.ts';
import { normalizePlate } from '../../core/plates.ts';
import { lotTariff, plateInvoices } from '../public-invoices.ts';
import { LotTariff, PlateInvoices } from './schemas.ts';

const Err = Type.Ref('ErrorBody');

export function publicBillingRoutes(app: App, { pool }: RouteContext): void {
  app.get('/api/v1/plates/:plate/invoices', {
    schema: {
      tags: ['billing'],
      summary: 'What a plate owes: its unpaid invoices with amount, lot, date and public reference only (plate masked, no times, nothing paid)',
      params: Type.Object({ plate: Type.String({ minLength: 1, maxLength: 32, description: 'e.g. 豫A12345 (spaces, dots and full-width characters are fine)' }) }),
      response: { 200: PlateInvoices, 400: Err },
    },
  }, async (req) => {
    const p = normalizePlate(req.params.plate);
    if (!p.ok) throw new OneLotError('ONELOT_ERR_VALIDATION', `${p.reason}; send the plate as printed`);
    return plateInvoices(pool, p.plate);
  });

  app.get('/api/v1/lots/:id/tariff', {
    schema: {
      tags: ['billing'],
      summary: 'The tariff in force at a lot now, with example bills explained',
      params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
      response: { 200: LotTariff, 404: Err },
    },
  }, async (req) => lotTariff(pool, req.params.id));
}
