// The HTTP request mixes of `npm run load` (load-tests/run.ts): random map views over the city,
// lot details, guidance, plate lookups, a signed-in driver's invoices, the operators' arrears and
// review queue. The paths are made here, once, and sent to the HTTP load child.
import { seededRandom } from '../../seed/demo-city.ts';
import { randomPlate } from '../../seed/plates.ts';
import type { HttpRoute } from './http-load.ts';

export interface MixContext {
  baseUrl: string;
  /** Bearer token for the operator routes (signed in by the runner, or --operator-token). */
  operatorToken?: string;
  /** 'off': billing and payments routes left out; 'on'/'absent': used when they answer, else skipped with a reason. */
  billing: 'on' | 'off' | 'absent';
  log: (m: string) => void;
}

interface LotInfo { id: string; lat: number; lng: number }
async function cityLots(baseUrl: string): Promise<LotInfo[]> {
  const res = await fetch(`${baseUrl}/api/v1/lots`);
  if (!res.ok) throw new Error(`GET /api/v1/lots answered ${res.status}; is ${baseUrl} a OneLot platform?`);
  return ((await res.json()) as { lots: LotInfo[] }).lots;
}

/** Random map views (zoom-13-ish viewports over the city), lot details, guidance, plates, accounts, operators. */
export async function requestMix(which: 'map' | 'guidance' | 'mixed', ctx: MixContext): Promise<{ routes: HttpRoute[]; skipped: Array<{ route: string; reason: string }> }> {
  const { baseUrl, operatorToken, billing, log } = ctx;
  const lots = await cityLots(baseUrl);
  const rng = seededRandom(42);
  const lats = lots.map((l) => l.lat), lngs = lots.map((l) => l.lng);
  const box = { minLat: Math.min(...lats) - 0.01, maxLat: Math.max(...lats) + 0.01, minLng: Math.min(...lngs) - 0.01, maxLng: Math.max(...lngs) + 0.01 };
  const at = () => ({ lat: box.minLat + rng() * (box.maxLat - box.minLat), lng: box.minLng + rng() * (box.maxLng - box.minLng) });
  const N = 2000;
  const many = (f: () => string) => Array.from({ length: N }, f);
  // A phone at zoom 13 at 34.75°N shows about 0.08° of longitude by 0.10° of latitude; desktops more.
  const mapPaths = many(() => {
    const c = at(), s = 0.5 + rng() * 1.5, dLng = 0.04 * s, dLat = 0.05 * s;
    return `/api/v1/lots?bbox=${(c.lng - dLng).toFixed(5)},${(c.lat - dLat).toFixed(5)},${(c.lng + dLng).toFixed(5)},${(c.lat + dLat).toFixed(5)}`;
  });
  const lotPaths = many(() => `/api/v1/lots/${encodeURIComponent(lots[Math.floor(rng() * lots.length)].id)}`);
  const guidancePaths = many(() => { const c = at(); return `/api/v1/guidance?lat=${c.lat.toFixed(5)}&lng=${c.lng.toFixed(5)}`; });
  const platePaths = many(() => `/api/v1/plates/${encodeURIComponent(randomPlate(rng).plate)}/invoices`);
  const bearer = operatorToken ? { authorization: `Bearer ${operatorToken}` } : undefined;
  const arrearsPaths = many(() => `/api/v1/operator/arrears?limit=100&plate=${encodeURIComponent(randomPlate(rng).plate)}`);

  const routes: HttpRoute[] = [];
  const skipped: Array<{ route: string; reason: string }> = [];
  if (which === 'map' || which === 'mixed') routes.push({ name: 'map', method: 'GET', paths: mapPaths, weight: 40 }, { name: 'lot', method: 'GET', paths: lotPaths, weight: 15 });
  if (which === 'guidance' || which === 'mixed') routes.push({ name: 'guidance', method: 'GET', paths: guidancePaths, weight: 25 });
  if (which === 'mixed' && billing === 'off') {
    for (const route of ['plate-invoices', 'my-invoices', 'operator-arrears', 'operator-review']) skipped.push({ route, reason: '--billing off: billing and payments routes left out of the mix (the platform still bills, as npm start does)' });
    routes.push({ name: 'healthz', method: 'GET', paths: ['/healthz'], weight: 1 });
  } else if (which === 'mixed') {
    // Billing and payments routes: always in our own platform; probed against --url, skipped with a reason when absent.
    const probe = async (name: string, p: string, init: RequestInit = {}) => {
      const res = await fetch(baseUrl + p, init).catch((err: Error) => ({ status: 0, json: async () => ({ error: { message: err.message } }) }));
      if (res.status >= 200 && res.status < 300) return true;
      const body: any = await res.json().catch(() => ({}));
      const why = res.status === 404 && body?.error?.code === 'ONELOT_ERR_ROUTE_NOT_FOUND' ? 'route not present in this platform (billing/payments not wired in)'
        : res.status === 401 || res.status === 403 ? `needs an operator token (--operator-token): ${res.status}` : `probe answered ${res.status} ${body?.error?.code ?? ''}`.trim();
      skipped.push({ route: name, reason: why });
      return false;
    };
    if (await probe('plate-invoices', platePaths[0])) routes.push({ name: 'plate-invoices', method: 'GET', paths: platePaths, weight: 10 });
    // A driver who signed in looks at their invoices (the paying flow's read side).
    const phone = `139${String(Math.floor(rng() * 1e8)).padStart(8, '0')}`;
    const driverLogin = { phone, password: 'load-test-password' };
    const reg = await signUpDriver(baseUrl, driverLogin);
    const login = reg && reg.status !== 404
      ? await fetch(`${baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(driverLogin) }).catch(() => null)
      : null;
    const token = login?.ok ? ((await login.json()) as { token?: string }).token : undefined;
    if (token && (await probe('my-invoices', '/api/v1/me/invoices', { headers: { authorization: `Bearer ${token}` } }))) {
      routes.push({ name: 'my-invoices', method: 'GET', paths: ['/api/v1/me/invoices'], weight: 5, headers: { authorization: `Bearer ${token}` } });
    } else if (!token) skipped.push({ route: 'my-invoices', reason: reg?.status === 404 || !reg ? 'route POST /api/v1/auth/register not present (driver accounts not wired in)' : `could not sign in (register ${reg.status}, login ${login?.status ?? 'n/a'})` });
    if (await probe('operator-arrears', arrearsPaths[0], { headers: bearer })) routes.push({ name: 'operator-arrears', method: 'GET', paths: arrearsPaths, weight: 3, headers: bearer });
    if (await probe('operator-review', '/api/v1/operator/review?limit=50', { headers: bearer })) routes.push({ name: 'operator-review', method: 'GET', paths: ['/api/v1/operator/review?limit=50'], weight: 2, headers: bearer });
    routes.push({ name: 'healthz', method: 'GET', paths: ['/healthz'], weight: 1 });
  }
  for (const s of skipped) log(`  skipped ${s.route}: ${s.reason}`);
  return { routes, skipped };
}

/** Sign up by SMS code, reading the code from the demo's simulated provider (GET /api/v1/dev/sms); null when unreachable. */
async function signUpDriver(baseUrl: string, driver: { phone: string; password: string }): Promise<Response | null> {
  const post = (path: string, body: object) => fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).catch(() => null);
  const asked = await post('/api/v1/auth/register/code', { phone: driver.phone });
  if (!asked || asked.status !== 202) return asked;
  const sms = await fetch(`${baseUrl}/api/v1/dev/sms?to=${driver.phone}`).catch(() => null);
  const messages = sms?.ok ? ((await sms.json()) as { messages: Array<{ params: Record<string, string> }> }).messages : [];
  const code = messages.find((m) => m.params.code)?.params.code ?? '000000';
  return post('/api/v1/auth/register', { ...driver, code, name: 'Load Test' });
}
