// analytics as a module: the operators' analytics and city view routes, the job that folds the
// hourly deltas the billing and payments statements append (migrations/008) into
// lot_hourly_stats, the job that draws the hour's city picture before anyone asks, the counter
// of arrivals guidance turned away from full lots (migrations/030), and free bays at arrival
// (issue 15): the forecast route, its jobs, and the chance of a space guidance ranks by.
import { roles } from '../core/config.ts';
import type { Pool } from '../core/db/index.ts';
import type { OneLotModule } from '../core/module.ts';
import { CityPictures } from './city-view.ts';
import { foldHourlyDeltas } from './hourly-stats.ts';
import { analyticsOperatorRoutes } from './http/operator.ts';
import { CITY_VIEW_DAYS, cityViewRoutes } from './http/city.ts';
import { forecastRoutes } from './http/forecast.ts';
import { ForecastService } from './forecast-service.ts';
import { TurnedAwayRecorder } from './turned-away.ts';

/** How often an `api` process without the jobs recomputes its curves (the jobs' refresh schedule). */
const CURVES_EVERY_MS = 2 * 60_000;

export function analyticsModule(): OneLotModule {
  // One picture of every lot per hour, shared by the route and the job (each tenant's is filtered from it).
  let pictures: CityPictures | undefined;
  const picturesOf = (pool: Pool) => (pictures ??= new CityPictures(pool));
  const forecasts = new ForecastService();
  return {
    name: 'analytics',
    routes: forecastRoutes(forecasts),
    operatorRoutes: async (app, ctx) => { analyticsOperatorRoutes(app, ctx); cityViewRoutes(app, picturesOf(ctx.pool)); },
    arrivalForecast: forecasts,
    jobs: [
      { name: 'analytics fold', schedule: '*/10 * * * * *', run: async ({ pool, metrics }) => { await foldHourlyDeltas(pool, metrics); } },
      // Just after the hour turns (the picture is keyed by the hour), the console's default range.
      { name: 'city view', schedule: '0 1 * * * *', run: async ({ pool }) => { await picturesOf(pool).warm(CITY_VIEW_DAYS); } },
      // Every 2 minutes: lot_free_15m brought up to date, and each lot's curve. The first run after a
      // start fits first (a city's first fit reads weeks of history), so its duration on /metrics is the fit's.
      { name: 'forecast refresh', schedule: '30 */2 * * * *', run: async ({ pool }) => { await forecasts.refresh(pool); } },
      // Nightly, when the city is quiet: refit on the last 6 weeks.
      { name: 'forecast fit', schedule: '0 40 3 * * *', timeZone: 'Asia/Shanghai', run: async ({ pool }) => { await forecasts.fit(pool); } },
    ],
    async start({ pool, changes, log, config }) {
      const recorder = new TurnedAwayRecorder(pool, changes, log);
      recorder.start();
      // An `api` process of its own (README, "Roles") answers forecasts from its memory too: it
      // recomputes its curves from lot_free_15m, which the `jobs` process keeps filled.
      let timer: NodeJS.Timeout | undefined;
      if (!roles(config).has('jobs')) {
        const curves = () => forecasts.refresh(pool, new Date(), { fill: false }).catch((err) => log.warn({ err }, 'forecast: curves not refreshed'));
        void curves();
        timer = setInterval(curves, CURVES_EVERY_MS);
      }
      return async () => { clearInterval(timer); await recorder.stop(); };
    },
  };
}
