// analytics as a module: the operators' analytics route, the job that folds the hourly deltas
// the billing and payments statements append (migrations/008) into lot_hourly_stats, and free bays
// at arrival (issue 15): the forecast route, its jobs, and the chance of a space guidance ranks by.
import type { OneLotModule } from '../core/module.ts';
import { foldHourlyDeltas } from './hourly-stats.ts';
import { analyticsOperatorRoutes } from './http/operator.ts';
import { forecastRoutes } from './http/forecast.ts';
import { ForecastService } from './forecast-service.ts';

export function analyticsModule(): OneLotModule {
  const forecasts = new ForecastService();
  return {
    name: 'analytics',
    routes: forecastRoutes(forecasts),
    operatorRoutes: analyticsOperatorRoutes,
    arrivalForecast: forecasts,
    jobs: [
      { name: 'analytics fold', schedule: '*/10 * * * * *', run: async ({ pool, metrics }) => { await foldHourlyDeltas(pool, metrics); } },
      // Every 2 minutes: each lot's curve. The first run after a start fits first (a city's first
      // fit reads weeks of history), so its duration on /metrics is the fit's.
      { name: 'forecast refresh', schedule: '30 */2 * * * *', run: async ({ pool }) => { await forecasts.refresh(pool); } },
      // Nightly, when the city is quiet: refit on the last 6 weeks.
      { name: 'forecast fit', schedule: '0 40 3 * * *', timeZone: 'Asia/Shanghai', run: async ({ pool }) => { await forecasts.fit(pool); } },
    ],
  };
}
