// notifications as a module: the SMS provider every module's context gets (core/sms.ts), chosen by
// SMS_PROVIDER — the simulated one (demo, tests), Aliyun SMS or Tencent Cloud SMS — and the signed
// route its delivery receipts arrive by. Modules learn of receipts through `sms.onReceipt`.
import type { Config } from '../core/config.ts';
import { isProductionServer } from '../core/config.ts';
import type { OneLotModule } from '../core/module.ts';
import type { DeliveryReceipt, SmsSender } from '../core/sms.ts';
import { AliyunSms, TencentSms } from './cloud-sms.ts';
import { devSmsRoutes } from './http/dev.ts';
import { receiptRoutes } from './http/receipts.ts';
import { SimulatedSms, type SimSmsOptions } from './sim-sms.ts';

type ReceivingSms = SmsSender & { receive(r: DeliveryReceipt): Promise<void> };

export interface NotificationsModule extends OneLotModule {
  sms: ReceivingSms;
}

export function notificationsModule(config: Config, opts: { sim?: SimSmsOptions } = {}): NotificationsModule {
  const sms: ReceivingSms = config.SMS_PROVIDER === 'aliyun' ? new AliyunSms(config)
    : config.SMS_PROVIDER === 'tencent' ? new TencentSms(config)
      : new SimulatedSms(opts.sim);
  const sim = sms instanceof SimulatedSms ? sms : null;
  return {
    name: 'notifications',
    sms,
    routes: async (app, ctx) => {
      await receiptRoutes(app, ctx, (r) => sms.receive(r));
      // Anyone could read sign-up and reset codes here: a demo server with the simulated provider only.
      if (sim && !isProductionServer(config)) devSmsRoutes(app, sim);
    },
    async start({ httpUrl, log }) {
      if (!sim) return;
      // The simulated provider reports delivery as a real one would: signed, over HTTP, to our route.
      sim.setCallback(`${httpUrl}/api/v1/notifications/sms/receipts`, config.SMS_CALLBACK_SECRET);
      sim.setLog((m) => log.info(m));
      return async () => sim.close();
    },
  };
}
