// Sign-up and password reset by SMS code (payments/phone-codes.ts). Asking for a code answers 202
// with the same words whether or not the phone has an account, and confirming with a wrong code
// or for a phone that has one answers the same 400: no route tells a stranger who is a customer.
import { Type } from '@sinclair/typebox';
import { OneLotError } from '../../core/errors.ts';
import type { App, RouteContext } from '../../core/module.ts';
import { SmsSendError, type SmsSender } from '../../core/sms.ts';
import { revokeSessionsOf } from '../../core/sessions.ts';
import { registerDriver, setDriverPassword } from '../accounts.ts';
import { consumePhoneCode, sendPhoneCode, type CodePurpose } from '../phone-codes.ts';
import { Password, sessionStarter } from './accounts.ts';
import { DriverToken, Phone } from './schemas.ts';

const Err = Type.Ref('ErrorBody');
const Code = Type.String({ pattern: '^[0-9]{6}$', description: 'the six digits of the SMS' });
const CodeSent = Type.Object({ message: Type.String() });
const SENT = 'If this number can receive SMS, a message is on its way: enter the code it gives (valid 10 minutes).';

export function signupRoutes(app: App, ctx: RouteContext): void {
  const { pool, config, limits } = ctx;
  const startSession = sessionStarter(ctx);
  const perPhone = limits.byAccount((req) => `phone:${(req.body as { phone?: string }).phone ?? ''}`);
  const smsOf = (): SmsSender => {
    if (!ctx.sms) throw new OneLotError('ONELOT_ERR_UNAVAILABLE');
    return ctx.sms;
  };
  const codeRoute = (path: string, purpose: CodePurpose, summary: string) => app.post(path, {
    onRequest: limits.byAddress, preHandler: perPhone,
    schema: { tags: ['drivers'], summary, body: Type.Object({ phone: Phone }, { additionalProperties: false }), response: { 202: CodeSent, 400: Err, 429: Err } },
  }, async (req, reply) => {
    await sendPhoneCode(pool, smsOf(), config.AUTH_TOKEN_SECRET, req.body.phone, purpose).catch((err: unknown) => {
      // The provider refused (a throttled or unreachable number): the same answer as ever, so the
      // reply still says nothing of whether the phone has an account; the driver may ask again.
      if (!(err instanceof SmsSendError)) throw err;
      req.log.warn({ code: err.code }, `sign-up code not sent: the SMS provider refused (${err.retryable ? 'try again later' : 'for good'})`);
    });
    return reply.status(202).send({ message: SENT });
  });

  codeRoute('/api/v1/auth/register/code', 'register', 'Step 1 of sign-up: text a code to a phone (same answer whether or not it has an account)');
  codeRoute('/api/v1/auth/reset/code', 'reset', 'Forgotten password, step 1: text a reset code to the account\'s phone (same answer for any phone)');

  app.post('/api/v1/auth/register', {
    onRequest: limits.byAddress, preHandler: perPhone,
    schema: {
      tags: ['drivers'], summary: 'Step 2 of sign-up: the code from the SMS and a password create the account and sign in',
      body: Type.Object({ phone: Phone, code: Code, password: Password, name: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })) }, { additionalProperties: false }),
      response: { 201: DriverToken, 400: Err, 429: Err },
    },
  }, async (req, reply) => {
    const { phone, code, password, name } = req.body;
    if (!(await consumePhoneCode(pool, config.AUTH_TOKEN_SECRET, phone, 'register', code))) throw new OneLotError('ONELOT_ERR_BAD_CODE');
    const driver = await registerDriver(pool, { phone, password, name });
    // Signed up meanwhile (two codes raced): the same answer as a wrong code.
    if (!driver) throw new OneLotError('ONELOT_ERR_BAD_CODE');
    return reply.status(201).send(await startSession(reply, driver));
  });

  app.post('/api/v1/auth/reset', {
    onRequest: limits.byAddress, preHandler: perPhone,
    schema: {
      tags: ['drivers'], summary: 'Forgotten password, step 2: the code and a new password; every other session ends and this one signs in',
      body: Type.Object({ phone: Phone, code: Code, password: Password }, { additionalProperties: false }),
      response: { 200: DriverToken, 400: Err, 429: Err },
    },
  }, async (req, reply) => {
    const { phone, code, password } = req.body;
    if (!(await consumePhoneCode(pool, config.AUTH_TOKEN_SECRET, phone, 'reset', code))) throw new OneLotError('ONELOT_ERR_BAD_CODE');
    const driver = await setDriverPassword(pool, phone, password);
    if (!driver) throw new OneLotError('ONELOT_ERR_BAD_CODE');
    await revokeSessionsOf(pool, { driverId: driver.id });
    return reply.send(await startSession(reply, driver));
  });
}
