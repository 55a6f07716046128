// Console accounts and the audit log, mounted under /api/v1/operator (operators' operatorRoutes):
// the city onboards operators; an admin manages its tenant's accounts; anyone changes their own
// password; admins (their tenant) and the city (every tenant) read the audit log. Who may call
// each is its config.roles (core/tenancy.ts).
import { Type } from '@sinclair/typebox';
import type { App, RouteContext } from '../../core/module.ts';
import { OneLotError } from '../../core/errors.ts';
import { ADMIN, CITY, OVERSEE, READ, scopeOf } from '../../core/tenancy.ts';
import { createAccount, listAccounts, listOperators, onboardOperator, resetPassword, setOwnPassword, updateAccount } from '../account-admin.ts';
import { verifyConsoleAccount } from '../accounts.ts';
import { readAudit } from '../audit-read.ts';
import { AccountIdParam, AccountList, AccountPatch, AccountView, AuditEntries, AuditQuery, NewAccount, NewOperator, OperatorList, PasswordChange, WithSetupCode } from './schemas.ts';

const Err = Type.Ref('ErrorBody');
const tags = ['operator'];

export function accountRoutes(app: App, { pool }: RouteContext): void {
  app.get('/operators', {
    config: { roles: CITY },
    schema: { tags, summary: 'Operators (tenants) with their lot and account counts (city role)', response: { 200: OperatorList, 401: Err, 403: Err } },
  }, async () => ({ operators: await listOperators(pool) }));

  app.post('/operators', {
    config: { roles: CITY },
    schema: {
      tags, summary: 'Onboard an operator and its first admin, who signs in with the one-time setup code and chooses a password (city role)',
      body: NewOperator, response: { 201: WithSetupCode, 400: Err, 401: Err, 403: Err, 409: Err },
    },
  }, async (req, reply) => reply.status(201).send(await onboardOperator(pool, scopeOf(req), req.body)));

  app.get('/accounts', {
    config: { roles: OVERSEE },
    schema: { tags, summary: 'Console accounts of the caller\'s operator (the city: every account)', response: { 200: AccountList, 401: Err, 403: Err } },
  }, async (req) => ({ accounts: await listAccounts(pool, scopeOf(req)) }));

  app.post('/accounts', {
    config: { roles: ADMIN },
    schema: {
      tags, summary: 'Create a staff (or admin) account in the admin\'s operator; returns its one-time setup code',
      body: NewAccount, response: { 201: WithSetupCode, 400: Err, 401: Err, 403: Err, 409: Err },
    },
  }, async (req, reply) => reply.status(201).send(await createAccount(pool, scopeOf(req), { ...req.body, role: req.body.role ?? 'staff' })));

  app.patch('/accounts/:accountId', {
    config: { roles: ADMIN },
    schema: {
      tags, summary: 'Disable or enable (ends its sessions at once), rename, or set the refund limit of an account of the admin\'s operator',
      params: AccountIdParam, body: AccountPatch, response: { 200: AccountView, 400: Err, 401: Err, 403: Err, 404: Err, 409: Err },
    },
  }, async (req) => updateAccount(pool, scopeOf(req), req.params.accountId, req.body));

  app.post('/accounts/:accountId/password-reset', {
    config: { roles: ADMIN },
    schema: {
      tags, summary: 'Reset the password of an account of the admin\'s operator: its sessions end, and a new one-time setup code is returned',
      params: AccountIdParam, response: { 200: WithSetupCode, 401: Err, 403: Err, 404: Err },
    },
  }, async (req) => resetPassword(pool, scopeOf(req), req.params.accountId));

  app.post('/password', {
    config: { roles: READ },
    schema: {
      tags, summary: 'Change one\'s own password (the current one is needed); every other session of the account ends',
      body: PasswordChange, response: { 204: Type.Null(), 400: Err, 401: Err, 403: Err },
    },
  }, async (req, reply) => {
    const by = scopeOf(req);
    const ok = await verifyConsoleAccount(pool, by.accountId, req.body.current);
    if (!ok || ok.mustSetPassword) throw new OneLotError('ONELOT_ERR_FORBIDDEN', 'The current password is wrong; type it again (or ask your admin to reset it).');
    await setOwnPassword(pool, by, req.body.password, req.sessionId);
    return reply.status(204).send(null);
  });

  app.get('/audit', {
    config: { roles: OVERSEE },
    schema: {
      tags, summary: 'The audit log of the caller\'s operator (the city: every operator), newest first, filtered by action, account, object and time, a page at a time; nothing can change it',
      querystring: AuditQuery, response: { 200: AuditEntries, 400: Err, 401: Err, 403: Err },
    },
  }, async (req) => ({ entries: await readAudit(pool, scopeOf(req), req.query) }));
}
