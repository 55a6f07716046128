// The simulated provider's inbox over HTTP, for the demo and the load tests: what an SMS to a
// phone would have said. Registered only on a demo server with SMS_PROVIDER=sim (notifications/module.ts).
import { Type } from '@sinclair/typebox';
import type { App } from '../../core/module.ts';
import type { SimulatedSms } from '../sim-sms.ts';

const SentSms = Type.Object({
  messageId: Type.String(), to: Type.String(), template: Type.String(),
  params: Type.Record(Type.String(), Type.String()), text: Type.String(), sentAt: Type.String(), status: Type.String(),
  errorCode: Type.Union([Type.String(), Type.Null()]),
});

export function devSmsRoutes(app: App, sms: SimulatedSms): void {
  app.get('/api/v1/dev/sms', {
    schema: {
      tags: ['dev'], summary: 'Demo only: the SMS the simulated provider "sent" to a phone, newest first',
      querystring: Type.Object({ to: Type.String({ minLength: 1, maxLength: 20 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ messages: Type.Array(SentSms) }) },
    },
  }, async (req) => ({ messages: sms.inbox(req.query.to) }));
}
