// analytics as a module: the operators' analytics route, and the job that folds the hourly deltas
// the billing and payments statements append (migrations/008) into lot_hourly_stats.
import type { OneLotModule } from '../core/module.ts';
import { foldHourlyDeltas } from './hourly-stats.ts';
import { analyticsOperatorRoutes } from './http/operator.ts';

export function analyticsModule(): OneLotModule {
  return {
    name: 'analytics',
    operatorRoutes: analyticsOperatorRoutes,
    jobs: [{ name: 'analytics fold', schedule: '*/10 * * * * *', run: async ({ pool, metrics }) => { await foldHourlyDeltas(pool, metrics); } }],
  };
}
