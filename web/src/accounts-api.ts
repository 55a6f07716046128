// The console's calls for accounts and the audit log (operators/http/accounts.ts, login.ts): the
// city onboards operators, an admin manages its staff, a new account sets its password with its
// one-time setup code, admins and the city read the audit log.
import { request } from './api.ts';
import type { AccountPatch, AuditEntry, AuditQuery, ConsoleAccount, NewOperator, OperatorLoginResponse, OperatorSummary, WithSetupCode } from './types.ts';

const OP = '/api/v1/operator';
const account = (id: string) => `${OP}/accounts/${encodeURIComponent(id)}`;

/** First sign-in of a new or reset account: the code it was handed and the password chosen. */
export function setupPassword(accountId: string, code: string, password: string): Promise<OperatorLoginResponse> {
  return request(`${OP}/password/setup`, { method: 'POST', body: { account: accountId, code, password } });
}

export function fetchOperators(token: string, signal?: AbortSignal): Promise<{ operators: OperatorSummary[] }> {
  return request(`${OP}/operators`, { token, signal });
}

/** City role: a new operator and its first admin; the answer holds the admin's setup code, once. */
export function onboardOperator(token: string, body: NewOperator): Promise<WithSetupCode> {
  return request(`${OP}/operators`, { method: 'POST', token, body });
}

export function fetchAccounts(token: string, signal?: AbortSignal): Promise<{ accounts: ConsoleAccount[] }> {
  return request(`${OP}/accounts`, { token, signal });
}

export function createAccount(token: string, body: { accountId: string; name: string; role: 'admin' | 'staff'; refundLimitFen?: number }): Promise<WithSetupCode> {
  return request(`${OP}/accounts`, { method: 'POST', token, body });
}

export function updateAccount(token: string, accountId: string, body: AccountPatch): Promise<ConsoleAccount> {
  return request(account(accountId), { method: 'PATCH', token, body });
}

/** Ends the account's sessions; the new setup code is in the answer, once. */
export function resetAccountPassword(token: string, accountId: string): Promise<WithSetupCode> {
  return request(`${account(accountId)}/password-reset`, { method: 'POST', token });
}

export function fetchAudit(token: string, q: AuditQuery, signal?: AbortSignal): Promise<{ entries: AuditEntry[] }> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v));
  return request(`${OP}/audit?${params}`, { token, signal });
}
