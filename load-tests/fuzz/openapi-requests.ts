// HTTP requests generated from the platform's own OpenAPI document (/docs/json): every operation,
// with path parameters, query strings and bodies that are valid, of the wrong type, huge, unicode,
// deeply nested or not JSON at all, and with no, garbage, or someone else's credentials.
import fc from 'fast-check';

type Schema = Record<string, any>;
export interface Operation { method: string; path: string; params: Array<{ name: string; in: string; required?: boolean; schema: Schema }>; body?: Schema; secured: boolean }
/** body is built when sent: a run's large bodies together would not fit this process's memory. */
export interface ApiRequest { operation: string; variant: string; method: string; path: string; headers: Record<string, string>; body?: () => Buffer }
type Body = { variant: string; body?: () => Buffer; type?: string };
export interface Credentials { driver?: string; operator?: string }

/** Every operation of the document. */
export function operations(doc: Schema): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries<Schema>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<Schema>(item)) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
      const body = op.requestBody?.content?.['application/json']?.schema;
      out.push({ method: method.toUpperCase(), path, params: [...(item.parameters ?? []), ...(op.parameters ?? [])], body: body ? resolve(doc, body) : undefined, secured: (op.security ?? []).length > 0 });
    }
  }
  return out;
}

function resolve(doc: Schema, s: Schema): Schema {
  if (s?.$ref) return resolve(doc, s.$ref.replace(/^#\//, '').split('/').reduce((o: Schema, k: string) => o?.[k], doc));
  return s;
}

// Text that has broken parsers before (shared with the device payloads' idea of "nasty").
const nasty = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('\u0000', '\ud800', '../../etc/passwd', '%00', "' OR 1=1 --", '<script>alert(1)</script>', '豫Ａ１２３４５', '\u202e', '𝕆𝕟𝕖', '-1', '0', '1e309', 'NaN', 'null', 'true', '[]', '{}', ' '),
);
const huge = fc.constantFrom('x'.repeat(10_000), '9'.repeat(400), '豫'.repeat(3000), '1e309', String(Number.MAX_SAFE_INTEGER + 2));
const hostile: fc.Arbitrary<unknown> = fc.oneof(nasty, huge, fc.constantFrom(null, true, -1, 1e308, -1e308, 1.5, 0, [], {}, [[[[]]]]), fc.jsonValue({ maxDepth: 4 }), fc.integer({ min: 200, max: 2000 }).map((d) => JSON.parse('['.repeat(d) + ']'.repeat(d))));

/** A value the schema accepts, as far as a small walker can tell (patterns use the schema's examples). */
export function valid(s: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!s || depth > 6) return fc.constant(null);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.examples?.length) return fc.constantFrom(...s.examples);
  for (const k of ['anyOf', 'oneOf'] as const) if (s[k]) return fc.oneof(...s[k].map((x: Schema) => valid(x, depth + 1)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      if (s.format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      if (s.format === 'date') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 20, 40) });
    case 'integer': return fc.integer({ min: Math.max(s.minimum ?? -1000, -1e9), max: Math.min(s.maximum ?? 1000, 1e9) });
    case 'number': return fc.double({ min: s.minimum ?? -1000, max: s.maximum ?? 1000, noNaN: true, noDefaultInfinity: true });
    case 'boolean': return fc.boolean();
    case 'array': return fc.array(valid(s.items, depth + 1), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, 3) });
    case 'object': {
      const props: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries<Schema>(s.properties ?? {})) props[k] = valid(v, depth + 1);
      return fc.record(props, { requiredKeys: (s.required ?? []).filter((k: string) => k in props) });
    }
    default: return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A valid object with one thing broken: a field of the wrong type, a required one missing, an extra one. */
const brokenObject = (s: Schema) => fc.tuple(valid(s), fc.constantFrom(...Object.keys(s.properties ?? { x: 1 })), hostile, fc.nat(2)).map(([v, key, bad, how]) => {
  const o = { ...(v as Record<string, unknown>) };
  if (how === 0) o[key] = bad;
  else if (how === 1) delete o[key];
  else o[`extra${key}`] = bad;
  return { variant: ['wrong type or hostile value', 'field missing', 'extra field'][how], value: o as unknown };
});

const stringify = (v: unknown) => { try { return JSON.stringify(v) ?? 'null'; } catch { return '[[[]]]'; } };
const text = (v: unknown) => typeof v === 'string' ? v : stringify(v);
/** encodeURIComponent, but a lone surrogate becomes U+FFFD instead of throwing. */
const enc = (v: unknown) => encodeURIComponent((text(v) as string & { toWellFormed(): string }).toWellFormed());
const rawPercent = fc.constantFrom('%', '%zz', '%00', '%FF%FE', '%C0%AF', '..%2F..%2F', '%E8%B1%AB');

function body(op: Operation): fc.Arbitrary<Body> {
  const json = (variant: string) => (v: unknown) => ({ variant, body: () => Buffer.from(stringify(v)), type: 'application/json' });
  const options: Array<fc.Arbitrary<Body>> = [
    hostile.map(json('hostile JSON body')),
    fc.constantFrom('{', '{"a":', 'not json', '\u0000', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '').map((t) => ({ variant: 'broken JSON body', body: () => Buffer.from(t), type: 'application/json' })),
    fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/xml', 'gibberish').map((type) => ({ variant: 'wrong content type', body: () => Buffer.from('a=1&b=2'), type })),
    fc.constant({ variant: 'body over the size limit', body: () => Buffer.from(JSON.stringify({ x: 'x'.repeat(1_200_000) })), type: 'application/json' }),
  ];
  if (op.body) options.push(valid(op.body).map(json('valid body')), valid(op.body).map(json('valid body')));
  if (op.body?.type === 'object') options.push(brokenObject(op.body).map(({ variant, value }) => json(variant)(value)), brokenObject(op.body).map(({ variant, value }) => json(variant)(value)));
  if (!op.body) options.push(fc.constant<Body>({ variant: 'no body' }), fc.constant<Body>({ variant: 'no body' }));
  return fc.oneof(...options);
}

function auth(op: Operation, creds: Credentials): fc.Arbitrary<{ variant: string; header?: string }> {
  const opts: Array<[string, string | undefined]> = [
    ['no credentials', undefined], ['garbage token', 'Bearer garbage'], ['empty bearer', 'Bearer '], ['basic auth', 'Basic YWRtaW46YWRtaW4='],
    ['forged token', 'Bearer eyJhbGciOiJub25lIn0.eyJvcGVyYXRvcklkIjoib3AtenpwYXJrIn0.'], ['huge header', `Bearer ${'a'.repeat(20_000)}`], ['unicode header', 'Bearer %E8%B1%AB'],
  ];
  if (creds.driver) opts.push(['driver token', `Bearer ${creds.driver}`], ['driver token', `Bearer ${creds.driver}`]);
  if (creds.operator) opts.push(['operator token', `Bearer ${creds.operator}`], ['operator token', `Bearer ${creds.operator}`]);
  // Routes that need credentials get the right ones half the time, so their handlers run too.
  const right = op.path.startsWith('/api/v1/operator') ? creds.operator : creds.driver;
  if (op.secured && right) opts.push(...opts.map((): [string, string] => ['right token', `Bearer ${right}`]));
  return fc.constantFrom(...opts).map(([variant, header]) => ({ variant, header }));
}

/** One request for an operation of the document. */
export function requestFor(op: Operation, creds: Credentials, known: string[]): fc.Arbitrary<ApiRequest> {
  const param = (p: Operation['params'][number]) => fc.oneof(
    { weight: 3, arbitrary: valid(p.schema).map(enc) }, { weight: p.in === 'path' ? 2 : 0, arbitrary: fc.constantFrom(...(known.length ? known : ['x'])).map(enc) },
    { weight: 3, arbitrary: hostile.map(enc) }, { weight: 1, arbitrary: rawPercent }, { weight: p.in === 'query' && !p.required ? 2 : 0, arbitrary: fc.constant(undefined) },
  );
  const path = op.params.filter((p) => p.in === 'path');
  const query = op.params.filter((p) => p.in === 'query');
  return fc.record({
    path: fc.tuple(...path.map(param)), query: fc.tuple(...query.map(param)),
    junk: fc.option(fc.tuple(nasty, hostile), { nil: undefined, freq: 4 }), repeat: fc.boolean(),
    body: body(op), auth: auth(op, creds),
  }).map(({ path: pv, query: qv, junk, repeat, body: b, auth: a }) => {
    let url = op.path;
    path.forEach((p, i) => { url = url.replace(`{${p.name}}`, pv[i] ?? ''); });
    const qs = query.flatMap((p, i) => qv[i] === undefined ? [] : repeat && i === 0 ? [`${p.name}=${qv[i]}`, `${p.name}=${qv[i]}`] : [`${p.name}=${qv[i]}`]);
    if (junk) qs.push(`${enc(junk[0])}=${enc(junk[1])}`);
    const headers: Record<string, string> = {};
    if (a.header) headers.authorization = a.header;
    if (b.type) headers['content-type'] = b.type;
    return { operation: `${op.method} ${op.path}`, variant: `${a.variant}; ${b.variant}`, method: op.method, path: qs.length ? `${url}?${qs.join('&')}` : url, headers, body: b.body };
  });
}

/** `n` requests spread evenly over every operation, reproducibly from `seed`. */
export function sampleRequests(doc: Schema, creds: Credentials, known: string[], n: number, seed: number): ApiRequest[] {
  const ops = operations(doc);
  return fc.sample(fc.nat(ops.length - 1).chain((i) => requestFor(ops[i], creds, known)), { numRuns: n, seed });
}
