// k6 run load-tests/k6/http-operators.js -e BASE_URL=http://127.0.0.1:8080 -e OPERATOR_TOKEN=…
// Operators on the console: arrears, the review queue, lot search, health and metrics scrapes.
// Fewer users than drivers but heavier queries; routes not present (billing not wired in) are
// skipped with a message. `npm run load -- --scenario mixed` runs them in Node.
import http from 'k6/http';
import { check, sleep } from 'k6';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const DURATION = __ENV.DURATION || '30s';
const TOKEN = __ENV.OPERATOR_TOKEN || '';
const PROVINCES = '豫京沪粤苏浙鲁川';
const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    operators: { executor: 'constant-vus', exec: 'operatorConsole', vus: 5, duration: DURATION },
    scrapers: { executor: 'constant-arrival-rate', exec: 'scrape', rate: 1, timeUnit: '1s', duration: DURATION, preAllocatedVUs: 2 },
  },
  thresholds: {
    'http_req_duration{route:arrears}': ['p(99)<200'],
    'http_req_duration{route:review}': ['p(99)<200'],
    'http_req_duration{route:search}': ['p(99)<50'],
    'http_req_duration{route:healthz}': ['p(99)<100'],
    'http_req_failed{route:search}': ['rate<0.001'],
    checks: ['rate>0.99'],
  },
};

function randomPlate() {
  const pick = (/** @type {string} */ s) => s[Math.floor(Math.random() * s.length)];
  let tail = '';
  for (let i = 0; i < 5; i++) tail += Math.random() < 0.5 ? pick('0123456789') : pick(LETTERS);
  return `${pick(PROVINCES)}${pick(LETTERS)}${tail}`;
}

/** Which optional routes this platform has. @returns {{ arrears: boolean, review: boolean }} */
export function setup() {
  /** @type {Record<string, string>} */
  const headers = TOKEN ? { authorization: `Bearer ${TOKEN}` } : {};
  const present = (/** @type {string} */ path) => {
    const r = http.get(`${BASE}${path}`, { headers, tags: { route: 'setup' } });
    if (r.status === 404) console.warn(`${path.split('?')[0]} is not present on this platform: skipped`);
    else if (r.status === 401 || r.status === 403) console.warn(`${path.split('?')[0]} answered ${r.status}: set OPERATOR_TOKEN; skipped`);
    return r.status >= 200 && r.status < 300;
  };
  return { arrears: present(`/api/v1/operator/arrears?limit=10&plate=${encodeURIComponent(randomPlate())}`), review: present('/api/v1/operator/review?limit=10') };
}

/** @param {ReturnType<typeof setup>} data */
export function operatorConsole(data) {
  /** @type {Record<string, string>} */
  const headers = TOKEN ? { authorization: `Bearer ${TOKEN}` } : {};
  const params = (/** @type {string} */ route) => ({ headers, tags: { route } });
  if (data.arrears) check(http.get(`${BASE}/api/v1/operator/arrears?limit=100&plate=${encodeURIComponent(randomPlate())}`, params('arrears')), { 'arrears 200': (r) => r.status === 200 });
  if (data.review) check(http.get(`${BASE}/api/v1/operator/review?limit=50`, params('review')), { 'review 200': (r) => r.status === 200 });
  const q = ['Road', '路', 'Garage', 'JS', 'EQ', 'Hospital'][Math.floor(Math.random() * 6)];
  check(http.get(`${BASE}/api/v1/lots?q=${encodeURIComponent(q)}&limit=50`, params('search')), { 'search 200': (r) => r.status === 200 });
  sleep(0.5 + Math.random());
}

export function scrape() {
  check(http.get(`${BASE}/healthz`, { tags: { route: 'healthz' } }), { 'healthz 200': (r) => r.status === 200 });
  check(http.get(`${BASE}/metrics`, { tags: { route: 'metrics' } }), { 'metrics 200': (r) => r.status === 200 });
}
