// operators as a module: the companies (and the city's platform team) that run lots, and their
// console sign-in, accounts (onboarding, staff) and the audit log.
import type { OneLotModule } from '../core/module.ts';
import { accountRoutes } from './http/accounts.ts';
import { operatorLoginRoutes } from './http/login.ts';

export function operatorsModule(): OneLotModule {
  return { name: 'operators', routes: operatorLoginRoutes, operatorRoutes: accountRoutes };
}
