// The payment provider's notifications, signed (OneLot-Signature over the exact bytes sent).
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { handleWebhook } from '../webhooks.ts';
import { SIGNATURE_HEADER } from '../../core/webhook-signature.ts';

export async function webhookRoutes(app: App, { pool, config, metrics }: RouteContext): Promise<void> {
  // Encapsulated so the raw-body JSON parser applies to this route only: the signature covers the
  // exact bytes sent, and re-serialising parsed JSON would not reproduce them.
  await app.register(async (sub) => {
    sub.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    sub.withTypeProvider<TypeBoxTypeProvider>().post('/api/v1/payments/webhook', {
      schema: {
        tags: ['payments'], summary: 'Payment provider notifications (signed: OneLot-Signature)',
        response: { 200: Type.Object({ status: Type.String(), eventId: Type.String() }), 400: Type.Ref('ErrorBody') },
      },
    }, async (req) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      const sig = req.headers[SIGNATURE_HEADER];
      const r = await handleWebhook(pool, raw, Array.isArray(sig) ? sig[0] : sig, config.PAYMENT_WEBHOOK_SECRET, { metrics });
      if (r.detail && r.status === 'ignored') req.log.warn({ eventId: r.eventId }, `payments webhook ignored: ${r.detail}`);
      // Acknowledged all the same: a retry would say the same; an operator decides (review queue).
      if (r.status === 'held') req.log.warn({ eventId: r.eventId }, `payments webhook held for review: ${r.detail}`);
      return { status: r.status, eventId: r.eventId };
    });
  });
}
