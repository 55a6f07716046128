// notifications as a module: the SMS provider every module's context gets (core/sms.ts). Today the
// simulated one; a real provider (Aliyun, Tencent Cloud) is another SmsSender chosen here.
import type { Config } from '../core/config.ts';
import { isProductionServer } from '../core/config.ts';
import type { OneLotModule } from '../core/module.ts';
import { devSmsRoutes } from './http/dev.ts';
import { SimulatedSms } from './sim-sms.ts';

export interface NotificationsModule extends OneLotModule {
  sms: SimulatedSms;
}

export function notificationsModule(config: Config): NotificationsModule {
  const sms = new SimulatedSms();
  return {
    name: 'notifications',
    sms,
    // Anyone could read sign-up and reset codes here: a demo server only.
    routes: isProductionServer(config) ? undefined : (app) => devSmsRoutes(app, sms),
  };
}
