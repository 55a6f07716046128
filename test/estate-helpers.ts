// What the estate tests share: a platform with the operators module, console tokens for two
// tenants' admins, op-zzpark's staff and the city role, and an HTTP helper that sends JSON with a
// bearer token.
import { createOperator, operatorsModule } from '../operators/index.ts';
import { consoleToken, startTestPlatform, type TestPlatform } from './helpers.ts';

export interface Estate { p: TestPlatform; zz: string; other: string; staff: string; city: string }

/** op-zzpark and op-private own the demo lots; op-zzpark's admin can also sign in (op-zzpark-password). */
export async function startEstate(env: Record<string, string> = {}): Promise<Estate> {
  const p = await startTestPlatform({ env, modules: [operatorsModule()] });
  await createOperator(p.db.pool, { id: 'op-zzpark', name: 'op-zzpark', password: 'op-zzpark-password' });
  return {
    p,
    zz: await consoleToken(p, { operatorId: 'op-zzpark' }),
    other: await consoleToken(p, { operatorId: 'op-private' }),
    staff: await consoleToken(p, { operatorId: 'op-zzpark', role: 'staff', account: 'li.wei@zzpark' }),
    city: await consoleToken(p, { operatorId: null }),
  };
}

export function client(p: TestPlatform) {
  return async function api(token: string | null, method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(p.httpUrl + (url.startsWith('/api/') ? url : `/api/v1/operator${url}`), {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json() };
  };
}

export const GARAGE = { kind: 'garage', name: '测试停车库', nameEn: 'Test Garage', district: '金水区', address: '花园路 1 号', lat: 34.78, lng: 113.68, timeZone: 'Asia/Shanghai', accessibleBays: 2, evBays: 4 } as const;
export const STREET = { kind: 'street', name: '测试路路侧', nameEn: 'Test Road on-street', district: '金水区', path: [[113.66, 34.77], [113.661, 34.771], [113.662, 34.771]] } as const;
