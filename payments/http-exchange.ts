// One HTTP request and its whole answer over kept-alive connections, for the payment provider's
// client and the simulated provider's webhooks. node:http rather than fetch: at 200 charges a
// second Node's fetch spent ~0.4–1 ms of the main thread a call (web streams, body tees),
// http.request ~0.1 ms (docs/performance.md, twenty-fourth session).
import http from 'node:http';
import https from 'node:https';

/**
 * Connections kept alive, closed after 4 s idle: before a server's usual 5 s keep-alive timeout
 * closes one under a request.
 */
export function keptAliveAgent(baseUrl: string): http.Agent {
  return new (baseUrl.startsWith('https:') ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: 64, timeout: 4000 });
}

/** One HTTP exchange's answer, or why there was none (an error, or no whole answer in time). */
export type Exchange = { status: number; text: string } | { failed: string };

/**
 * One request; the timeout covers the whole answer. Never rejects: a failure is an answer too. A
 * body goes with its Content-Length (not chunked).
 */
export function exchange(url: URL, agent: http.Agent, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (x: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(x);
    };
    const sent = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const req = (url.protocol === 'https:' ? https : http).request(url, { method, headers: sent, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => settle({ status: res.statusCode ?? 0, text }));
      res.on('error', (err) => settle({ failed: err.message }));
    });
    const timer = setTimeout(() => {
      settle({ failed: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err) => settle({ failed: err.message }));
    req.end(body);
  });
}

