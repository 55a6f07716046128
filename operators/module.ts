// operators as a module: the companies (and the city's platform team) that run lots, and their
// console sign-in.
import type { OneLotModule } from '../core/module.ts';
import { operatorLoginRoutes, operatorSessionRoutes } from './http/login.ts';

export function operatorsModule(): OneLotModule {
  return { name: 'operators', routes: operatorLoginRoutes, operatorRoutes: operatorSessionRoutes };
}
