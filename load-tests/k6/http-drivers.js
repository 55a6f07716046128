// k6 run load-tests/k6/http-drivers.js -e BASE_URL=http://127.0.0.1:8080
// Drivers on the HTTP API: browsing the map (zoom-13 viewports over the city), opening a lot,
// asking for guidance, and the paying flow (sign in, list invoices, pay one). Thresholds are the
// targets of docs/performance.md; run mqtt-devices.js at the Zhengzhou rate alongside, as the
// targets hold "while ingest runs". `npm run load -- --scenario mixed` runs the same mix in Node.
import http from 'k6/http';
import { check, sleep } from 'k6';
import { Trend } from 'k6/metrics';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const DURATION = __ENV.DURATION || '30s';
// Requests per second per scenario; the sum is the drivers' share of npm run load's --http-rate.
const MAP_RPS = Number(__ENV.MAP_RPS || 200);
const GUIDANCE_RPS = Number(__ENV.GUIDANCE_RPS || 125);

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    map_browsing: { executor: 'constant-arrival-rate', exec: 'browseMap', rate: MAP_RPS, timeUnit: '1s', duration: DURATION, preAllocatedVUs: 20, maxVUs: 100 },
    guidance: { executor: 'constant-arrival-rate', exec: 'askGuidance', rate: GUIDANCE_RPS, timeUnit: '1s', duration: DURATION, preAllocatedVUs: 10, maxVUs: 50 },
    paying: { executor: 'constant-vus', exec: 'pay', vus: 5, duration: DURATION },
  },
  thresholds: {
    // Targets (2-core reference machine, ingest at the Zhengzhou rate).
    'http_req_duration{route:map}': ['p(99)<20'],
    'http_req_duration{route:guidance}': ['p(99)<50'],
    'http_req_duration{route:lot}': ['p(99)<100'],
    'http_req_failed{route:map}': ['rate<0.001'],
    'http_req_failed{route:guidance}': ['rate<0.001'],
    checks: ['rate>0.99'],
  },
};

const payFlow = new Trend('onelot_pay_flow_ms', true);

/**
 * The city's extent and lot ids, read once from the API (the same data the map loads).
 * @returns {{ box: { minLat: number, maxLat: number, minLng: number, maxLng: number }, lots: string[], billing: boolean }}
 */
export function setup() {
  const res = http.get(`${BASE}/api/v1/lots`, { tags: { route: 'setup' } });
  if (res.status !== 200) throw new Error(`GET /api/v1/lots answered ${res.status}: is BASE_URL (${BASE}) a OneLot platform?`);
  /** @type {Array<{ id: string, lat: number, lng: number }>} */
  const lots = /** @type {any} */ (res.json()).lots;
  const lats = lots.map((l) => l.lat), lngs = lots.map((l) => l.lng);
  const probe = http.post(`${BASE}/api/v1/auth/login`, JSON.stringify({ phone: '13800000000', password: 'probe-only' }), { headers: { 'content-type': 'application/json' }, tags: { route: 'setup' } });
  const billing = probe.status !== 404;
  if (!billing) console.warn('POST /api/v1/auth/login is not present on this platform: the paying scenario is skipped');
  return {
    box: { minLat: Math.min(...lats) - 0.01, maxLat: Math.max(...lats) + 0.01, minLng: Math.min(...lngs) - 0.01, maxLng: Math.max(...lngs) + 0.01 },
    lots: lots.map((l) => l.id),
    billing,
  };
}

/** @param {{ minLat: number, maxLat: number, minLng: number, maxLng: number }} box */
function randomPoint(box) {
  return { lat: box.minLat + Math.random() * (box.maxLat - box.minLat), lng: box.minLng + Math.random() * (box.maxLng - box.minLng) };
}

/** A driver pans the map: a zoom-13-ish viewport (about 0.08° × 0.10° on a phone), then sometimes opens a lot. @param {ReturnType<typeof setup>} data */
export function browseMap(data) {
  const c = randomPoint(data.box), s = 0.5 + Math.random() * 1.5, dLng = 0.04 * s, dLat = 0.05 * s;
  const bbox = [c.lng - dLng, c.lat - dLat, c.lng + dLng, c.lat + dLat].map((n) => n.toFixed(5)).join(',');
  const res = http.get(`${BASE}/api/v1/lots?bbox=${bbox}`, { tags: { route: 'map' } });
  check(res, { 'map 200': (r) => r.status === 200 });
  if (Math.random() < 0.35) {
    const id = data.lots[Math.floor(Math.random() * data.lots.length)];
    const lot = http.get(`${BASE}/api/v1/lots/${encodeURIComponent(id)}`, { tags: { route: 'lot' } });
    check(lot, { 'lot 200': (r) => r.status === 200 });
  }
}

/** @param {ReturnType<typeof setup>} data */
export function askGuidance(data) {
  const p = randomPoint(data.box);
  const res = http.get(`${BASE}/api/v1/guidance?lat=${p.lat.toFixed(5)}&lng=${p.lng.toFixed(5)}`, { tags: { route: 'guidance' } });
  check(res, { 'guidance 200': (r) => r.status === 200 });
}

/** Sign up once per VU, then: sign in, list invoices, pay the first outstanding one. @param {ReturnType<typeof setup>} data */
export function pay(data) {
  if (!data.billing) { sleep(5); return; }
  const json = { headers: { 'content-type': 'application/json' } };
  const phone = `139${String(__VU).padStart(4, '0')}${String(Math.floor(Math.random() * 1e4)).padStart(4, '0')}`;
  const password = 'k6-load-test-password';
  const t0 = Date.now();
  // Sign-up by SMS code: the demo's simulated provider shows the code on /api/v1/dev/sms.
  http.post(`${BASE}/api/v1/auth/register/code`, JSON.stringify({ phone }), { ...json, tags: { route: 'register-code' } });
  const sms = http.get(`${BASE}/api/v1/dev/sms?to=${phone}`, { tags: { route: 'setup' } });
  const code = sms.status === 200 ? /** @type {any} */ (sms.json()).messages.find((/** @type {any} */ m) => m.params.code)?.params.code : undefined;
  http.post(`${BASE}/api/v1/auth/register`, JSON.stringify({ phone, code: code ?? '000000', password, name: 'k6' }), { ...json, tags: { route: 'register' } });
  const login = http.post(`${BASE}/api/v1/auth/login`, JSON.stringify({ phone, password }), { ...json, tags: { route: 'login' } });
  if (!check(login, { 'login 200': (r) => r.status === 200 })) { sleep(1); return; }
  const token = /** @type {any} */ (login.json()).token;
  const auth = { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } };
  const invoices = http.get(`${BASE}/api/v1/me/invoices`, { ...auth, tags: { route: 'my-invoices' } });
  check(invoices, { 'invoices 200': (r) => r.status === 200 });
  /** @type {Array<{ id: number, status: string }>} */
  const list = invoices.status === 200 ? (/** @type {any} */ (invoices.json()).invoices ?? []) : [];
  const open = list.find((i) => i.status === 'outstanding');
  if (open) {
    const paid = http.post(`${BASE}/api/v1/invoices/${open.id}/pay`, JSON.stringify({ source: 'tok_visa' }), { ...auth, tags: { route: 'pay' } });
    check(paid, { 'pay accepted': (r) => r.status >= 200 && r.status < 300 });
  }
  payFlow.add(Date.now() - t0);
  sleep(1 + Math.random() * 2);
}
