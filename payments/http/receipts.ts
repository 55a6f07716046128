// Receipts: for the plate's owner (bearer token), or anyone holding the keyed link given with the
// paid invoice (receipt numbers alone are guessable).
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { receiptHtml, type ReceiptKeys } from '../invoice-views.ts';

const Err = Type.Ref('ErrorBody');

export function receiptRoutes(app: App, { pool, auth }: RouteContext, receipts: ReceiptKeys): void {
  app.get('/api/v1/receipts/:number', {
    preHandler: auth.optionalDriver,
    schema: {
      tags: ['payments'], summary: 'Download a receipt (HTML, Chinese and English)',
      params: Type.Object({ number: Type.String({ pattern: '^OL-[0-9]{8}-[0-9]{6,}$' }) }),
      querystring: Type.Object({ key: Type.Optional(Type.String({ maxLength: 64 })) }),
      response: { 200: Type.String({ description: 'text/html attachment' }), 400: Err, 401: Err, 404: Err },
    },
  }, async (req, reply) => {
    const { number } = req.params;
    const html = await receiptHtml(pool, number, { driverId: req.driverId, key: req.query.key }, receipts);
    return reply.type('text/html; charset=utf-8').header('content-disposition', `attachment; filename="receipt-${number}.html"`).send(html);
  });
}
