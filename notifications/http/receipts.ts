// Delivery receipts, pushed: the simulated provider posts each one here, and so may a relay of a
// real provider's reports. Signed as payment webhooks are (OneLot-Signature over the exact bytes,
// HMAC-SHA256 with SMS_CALLBACK_SECRET, 5 minutes of tolerance: core/webhook-signature.ts); an
// unsigned, forged or stale one is refused with 401 and changes nothing.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Value } from '@sinclair/typebox/value';
import type { App, RouteContext } from '../../core/module.ts';
import { OneLotError } from '../../core/errors.ts';
import type { DeliveryReceipt } from '../../core/sms.ts';
import { SIGNATURE_HEADER, verifyWebhook } from '../../core/webhook-signature.ts';

const ReceiptBody = Type.Object({
  messageId: Type.String({ minLength: 1, maxLength: 100 }),
  status: Type.Union([Type.Literal('accepted'), Type.Literal('delivered'), Type.Literal('failed')]),
  errorCode: Type.Union([Type.String({ maxLength: 100 }), Type.Null()]),
  at: Type.String({ minLength: 1, maxLength: 40 }), // ISO 8601
});

export async function receiptRoutes(app: App, { config }: RouteContext, receive: (r: DeliveryReceipt) => Promise<void>): Promise<void> {
  // Encapsulated so the raw-body parser applies to this route only: the signature covers the bytes sent.
  await app.register(async (sub) => {
    sub.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    sub.withTypeProvider<TypeBoxTypeProvider>().post('/api/v1/notifications/sms/receipts', {
      schema: {
        tags: ['notifications'], summary: 'SMS delivery receipts from the provider (signed: OneLot-Signature)',
        response: { 200: Type.Object({ received: Type.Literal(true) }), 400: Type.Ref('ErrorBody'), 401: Type.Ref('ErrorBody') },
      },
    }, async (req) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      const sig = req.headers[SIGNATURE_HEADER];
      const v = verifyWebhook(config.SMS_CALLBACK_SECRET, raw, Array.isArray(sig) ? sig[0] : sig);
      if (!v.ok) throw new OneLotError('ONELOT_ERR_BAD_SIGNATURE', `SMS receipt refused: ${v.reason}`);
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw new OneLotError('ONELOT_ERR_VALIDATION', 'SMS receipt refused: the body is not JSON');
      }
      if (!Value.Check(ReceiptBody, body) || Number.isNaN(Date.parse(body.at))) throw new OneLotError('ONELOT_ERR_VALIDATION', 'SMS receipt refused: expected {messageId, status, errorCode, at}');
      await receive({ ...body, at: new Date(body.at) });
      return { received: true as const };
    });
  });
}
