// analytics as a module: the operators' analytics and city view routes, the job that folds the
// hourly deltas the billing and payments statements append (migrations/008) into
// lot_hourly_stats, and the counter of arrivals guidance turned away from full lots (migrations/030).
import type { OneLotModule } from '../core/module.ts';
import { foldHourlyDeltas } from './hourly-stats.ts';
import { analyticsOperatorRoutes } from './http/operator.ts';
import { cityViewRoutes } from './http/city.ts';
import { TurnedAwayRecorder } from './turned-away.ts';

export function analyticsModule(): OneLotModule {
  return {
    name: 'analytics',
    operatorRoutes: async (app, ctx) => { analyticsOperatorRoutes(app, ctx); cityViewRoutes(app, ctx); },
    jobs: [{ name: 'analytics fold', schedule: '*/10 * * * * *', run: async ({ pool, metrics }) => { await foldHourlyDeltas(pool, metrics); } }],
    async start({ pool, changes, log }) {
      const recorder = new TurnedAwayRecorder(pool, changes, log);
      recorder.start();
      return () => recorder.stop();
    },
  };
}
