// Sends the requests generated from /docs/json (openapi-requests.ts) and holds each answer to the
// API's promise (docs/errors.md): never a 5xx, and every 4xx a JSON body
// { error: { code, message } } whose message tells the caller what to do.
import http from 'node:http';
import { sampleRequests, type ApiRequest, type Credentials } from './openapi-requests.ts';

export interface ApiPhaseResult {
  sent: number;
  byStatus: Map<number, number>;
  byOperation: Map<string, { n: number; s2xx: number; s4xx: number; s5xx: number }>;
  serverErrors: number;
  /** 4xx answers without the error shape (or with an empty message). */
  badErrorBodies: number;
  /** Requests that got no answer at all (connection reset, timeout). */
  noAnswer: number;
  /** Over-limit bodies whose connection the server closed (after its 413) while they were being sent. */
  closedMidUpload: number;
  /** GET /healthz answered 503: its database probe took over 2 s. */
  healthzUnavailable: number;
  samples: string[];
  operations: number;
  seconds: number;
}

export interface ApiPhaseOptions {
  httpUrl: string;
  count: number;
  seed: number;
  creds: Credentials;
  /** Ids that exist (lots, invoices…), used as path parameters now and then. */
  known: string[];
  concurrency?: number;
}

interface Answer { status: number; type: string; body: string }

function send(agent: http.Agent, base: URL, r: ApiRequest): Promise<Answer> {
  const body = r.body?.();
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: base.hostname, port: base.port, method: r.method, path: r.path, headers: { ...r.headers, ...(body ? { 'content-length': String(body.length) } : {}) }, timeout: 20_000 }, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      // The live stream never ends: its status and type are the answer.
      if (type.startsWith('text/event-stream')) { res.destroy(); return resolve({ status: res.statusCode!, type, body: '' }); }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, type, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Why a 4xx answer breaks docs/errors.md, or undefined when it keeps it. */
function errorShapeProblem(a: Answer): string | undefined {
  if (!a.type.includes('application/json')) return `content-type ${a.type || 'none'}`;
  try {
    const e = JSON.parse(a.body)?.error;
    if (typeof e?.code !== 'string' || typeof e?.message !== 'string' || e.message.trim().length < 5) return 'no { error: { code, message } }';
  } catch {
    return 'body is not JSON';
  }
  return undefined;
}

export async function runApiPhase(o: ApiPhaseOptions, doc: Record<string, any>): Promise<ApiPhaseResult> {
  const started = performance.now();
  const requests = sampleRequests(doc, o.creds, o.known, o.count, o.seed);
  const r: ApiPhaseResult = { sent: 0, byStatus: new Map(), byOperation: new Map(), serverErrors: 0, badErrorBodies: 0, noAnswer: 0, closedMidUpload: 0, healthzUnavailable: 0, samples: [], operations: 0, seconds: 0 };
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency ?? 8 });
  const base = new URL(o.httpUrl);
  const note = (s: string) => { if (r.samples.length < 12) r.samples.push(s); };
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < requests.length; i = next++) {
      const q = requests[i];
      const op = r.byOperation.get(q.operation) ?? { n: 0, s2xx: 0, s4xx: 0, s5xx: 0 };
      r.byOperation.set(q.operation, op);
      op.n++;
      r.sent++;
      const what = `${q.method} ${q.path.slice(0, 120)} (${q.variant})`;
      let a: Answer;
      try {
        a = await send(agent, base, q);
      } catch (err) {
        // A body over fastify's 1 MB limit is answered 413 and the connection closed while this
        // client is still writing it: Node's client then reports EPIPE/ECONNRESET, not the answer.
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (q.variant.includes('body over the size limit') && ['EPIPE', 'ECONNRESET'].includes(code)) { r.closedMidUpload++; continue; }
        r.noAnswer++;
        note(`no answer: ${what}: ${(err as Error).message}`);
        continue;
      }
      // /healthz answers 503 when its 2 s database probe times out: true under a heavily loaded
      // machine, and what it is for. Counted apart, not as a server error.
      if (a.status === 503 && q.path.startsWith('/healthz')) { r.healthzUnavailable++; continue; }
      r.byStatus.set(a.status, (r.byStatus.get(a.status) ?? 0) + 1);
      if (a.status >= 500) { r.serverErrors++; op.s5xx++; note(`${a.status}: ${what}: ${a.body.slice(0, 200)}`); }
      else if (a.status >= 400) {
        op.s4xx++;
        const problem = errorShapeProblem(a);
        if (problem) { r.badErrorBodies++; note(`${a.status} ${problem}: ${what}: ${a.body.slice(0, 200)}`); }
      } else op.s2xx++;
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 8 }, worker));
  agent.destroy();
  r.operations = r.byOperation.size;
  r.seconds = (performance.now() - started) / 1000;
  return r;
}
