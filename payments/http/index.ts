// payments' HTTP surface, one file per resource: driver accounts, plates, payment methods,
// invoices, receipts, the provider's webhook; and the operator routes the shell mounts behind a token.
import type { App, RouteContext } from '../../core/module.ts';
import { ReceiptKeys } from '../invoice-views.ts';
import type { PaymentsRuntime } from '../runtime.ts';
import { accountRoutes } from './accounts.ts';
import { signupRoutes } from './signup.ts';
import { invoiceRoutes } from './invoices.ts';
import { paymentMethodRoutes } from './payment-methods.ts';
import { plateRoutes } from './plates.ts';
import { receiptRoutes } from './receipts.ts';
import { webhookRoutes } from './webhook.ts';

export { paymentsOperatorRoutes } from './operator.ts';

export async function paymentsRoutes(app: App, ctx: RouteContext, payments: PaymentsRuntime): Promise<void> {
  const receipts = new ReceiptKeys(ctx.config.AUTH_TOKEN_SECRET);
  accountRoutes(app, ctx);
  signupRoutes(app, ctx);
  plateRoutes(app, ctx, payments);
  paymentMethodRoutes(app, ctx, payments);
  invoiceRoutes(app, ctx, payments, receipts);
  receiptRoutes(app, ctx, receipts);
  await webhookRoutes(app, ctx);
}
