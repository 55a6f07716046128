// The city view of the operators' console: the occupancy of every lot by hour of a typical weekday
// and weekend, how often each is full, and arrivals turned away by district. The city reads every
// lot, an operator its own (core/tenancy.ts).
import { Type } from '@sinclair/typebox';
import type { App } from '../../core/module.ts';
import { READ, scopeOf } from '../../core/tenancy.ts';
import type { CityPictures } from '../city-view.ts';
import { CityView, CityViewQuery } from './schemas.ts';

/** The console's range, which the hourly job draws ahead (web/src/components/operator/CityTab.tsx asks for it). */
export const CITY_VIEW_DAYS = 28;

export function cityViewRoutes(app: App, pictures: CityPictures): void {
  app.get('/analytics/city', {
    config: { roles: READ },
    schema: {
      tags: ['operator'],
      summary: 'The city\'s picture over the last weeks: occupancy of the caller\'s lots (the city: every lot) by hour of a typical weekday and weekend, how often each is full, arrivals turned away by district',
      querystring: CityViewQuery,
      response: { 200: CityView, 400: Type.Ref('ErrorBody'), 401: Type.Ref('ErrorBody'), 403: Type.Ref('ErrorBody') },
    },
  }, async (req) => pictures.view(req.query.days ?? CITY_VIEW_DAYS, scopeOf(req).operatorId));
}
