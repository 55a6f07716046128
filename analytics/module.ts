// analytics as a module: the operators' analytics and city view routes, the job that folds the
// hourly deltas the billing and payments statements append (migrations/008) into
// lot_hourly_stats, the job that draws the hour's city picture before anyone asks, and the counter
// of arrivals guidance turned away from full lots (migrations/030).
import type { Pool } from '../core/db/index.ts';
import type { OneLotModule } from '../core/module.ts';
import { CityPictures } from './city-view.ts';
import { foldHourlyDeltas } from './hourly-stats.ts';
import { analyticsOperatorRoutes } from './http/operator.ts';
import { CITY_VIEW_DAYS, cityViewRoutes } from './http/city.ts';
import { TurnedAwayRecorder } from './turned-away.ts';

export function analyticsModule(): OneLotModule {
  // One picture of every lot per hour, shared by the route and the job (each tenant's is filtered from it).
  let pictures: CityPictures | undefined;
  const picturesOf = (pool: Pool) => (pictures ??= new CityPictures(pool));
  return {
    name: 'analytics',
    operatorRoutes: async (app, ctx) => { analyticsOperatorRoutes(app, ctx); cityViewRoutes(app, picturesOf(ctx.pool)); },
    jobs: [
      { name: 'analytics fold', schedule: '*/10 * * * * *', run: async ({ pool, metrics }) => { await foldHourlyDeltas(pool, metrics); } },
      // Just after the hour turns (the picture is keyed by the hour), the console's default range.
      { name: 'city view', schedule: '0 1 * * * *', run: async ({ pool }) => { await picturesOf(pool).warm(CITY_VIEW_DAYS); } },
    ],
    async start({ pool, changes, log }) {
      const recorder = new TurnedAwayRecorder(pool, changes, log);
      recorder.start();
      return () => recorder.stop();
    },
  };
}
