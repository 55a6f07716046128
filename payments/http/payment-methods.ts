// A driver's payment methods: tokenised by the provider, the newest becomes the default.
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { addPaymentMethod } from '../accounts.ts';
import type { PaymentsRuntime } from '../runtime.ts';
import { PaymentMethod } from './schemas.ts';

const Err = Type.Ref('ErrorBody');

export function paymentMethodRoutes(app: App, { pool, auth }: RouteContext, payments: PaymentsRuntime): void {
  app.post('/api/v1/me/payment-methods', {
    preHandler: auth.requireDriver,
    schema: {
      tags: ['drivers'], summary: 'Add a payment method (tokenised by the provider; it becomes the default)',
      body: Type.Object({
        kind: Type.Union([Type.Literal('alipay'), Type.Literal('wechat'), Type.Literal('card')]),
        account: Type.String({ minLength: 4, maxLength: 64, description: 'account or card number; sent to the provider, never stored by OneLot' }),
      }, { additionalProperties: false }),
      response: { 201: PaymentMethod, 400: Err, 401: Err, 503: Err },
    },
  }, async (req, reply) => reply.status(201).send(await addPaymentMethod(pool, payments.requireClient(), req.driverId!, req.body)));
}
