// Free bays at arrival (issue 15): a lot's forecast curve for the next 2 hours. Public, like the
// live counts: counts only, nothing about who parks.
import { Type } from '@sinclair/typebox';
import type { App } from '../../core/module.ts';
import { OneLotError } from '../../core/errors.ts';
import type { ForecastService } from '../forecast-service.ts';
import { LotForecast } from './schemas.ts';

const round2 = (x: number) => Math.round(x * 100) / 100;

export function forecastRoutes(forecasts: ForecastService) {
  return (app: App): void => {
    app.get('/api/v1/lots/:id/forecast', {
      schema: {
        tags: ['availability'],
        summary: 'Free bays forecast for the next 2 hours in 15-minute steps, with the chance of at least one free bay at each',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: LotForecast, 404: Type.Ref('ErrorBody') },
      },
    }, async (req) => {
      const c = forecasts.curve(req.params.id);
      if (!c) throw new OneLotError('ONELOT_ERR_NOT_FOUND', `Lot ${req.params.id}`);
      return {
        lotId: req.params.id, computedAt: c.computedAt.toISOString(), free: c.free, historyDays: c.historyDays,
        steps: c.steps.map((s) => ({ at: s.at.toISOString(), free: round2(s.free), typical: round2(s.typical), chance: round2(s.chance) })),
      };
    });
  };
}
