// operators as a module: the companies (and the city's platform team) that run lots, and their
// console sign-in, and the device health alerts of their lots.
import type { OneLotModule } from '../core/module.ts';
import { alertRoutes } from './http/alerts.ts';
import { operatorLoginRoutes } from './http/login.ts';

export function operatorsModule(): OneLotModule {
  return { name: 'operators', routes: operatorLoginRoutes, operatorRoutes: alertRoutes };
}
