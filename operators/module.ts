// operators as a module: the companies (and the city's platform team) that run lots, their console
// sign-in, accounts (onboarding, staff) and the audit log, the device health alerts of their lots,
// and their estate — the lots, bays and devices each manages in its own tenant.
import type { App, OneLotModule, RouteContext } from '../core/module.ts';
import { accountRoutes } from './http/accounts.ts';
import { alertRoutes } from './http/alerts.ts';
import { operatorLoginRoutes, operatorSessionRoutes } from './http/login.ts';
import { estateLotRoutes } from './http/lots.ts';
import { estateBayRoutes } from './http/bays.ts';
import { estateDeviceRoutes } from './http/devices.ts';

async function operatorRoutes(app: App, ctx: RouteContext): Promise<void> {
  operatorSessionRoutes(app, ctx);
  await accountRoutes(app, ctx);
  await alertRoutes(app, ctx);
  estateLotRoutes(app, ctx);
  estateBayRoutes(app, ctx);
  estateDeviceRoutes(app, ctx);
}

export function operatorsModule(): OneLotModule {
  return { name: 'operators', routes: operatorLoginRoutes, operatorRoutes };
}
