// Rate limits (@fastify/rate-limit), in one place: a generous limit per address on the whole API,
// and tighter ones on the routes that take a password or send an SMS code — per address, and per
// phone or console account from every address together (RouteContext.limits, core/module.ts).
//
// Why not a lock-out: "5 wrong passwords lock the account for 15 minutes" let any stranger lock
// the owner out by typing their phone number five times. Here every limit is a one-minute window
// that only slows: a guesser gets AUTH_LIMIT_PER_ADDRESS tries a minute from one address and
// AUTH_LIMIT_PER_ACCOUNT a minute for one account however many addresses it has (scrypt makes
// each try ~50 ms of work here too), while the owner, from their own address, waits at most the
// rest of the minute and only if a stranger is spending the account's budget right then.
//
// The allow-list (RATE_LIMIT_ALLOW_LIST, loopback by default) spares the per-address limits, so
// `npm run load` and the benchmarks, which sign up thousands of drivers from 127.0.0.1, measure the
// server; the per-account limit applies to every address. Behind a proxy, set TRUST_PROXY, or
// every client is the proxy's loopback address and exempt.
//
// Counters live in this process's memory (the plugin's LRU store) on the embedded database, which
// one process owns. With DATABASE_URL, where several api processes may share the database, the
// sign-in and account limits count in it (api/rate-limit-store.ts), so the processes count together.
import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../core/config.ts';
import { OneLotError } from '../core/errors.ts';
import type { Pool } from '../core/db/index.ts';
import type { App, SignInLimits } from '../core/module.ts';
import { sharedSignInStore } from './rate-limit-store.ts';

const MINUTE_MS = 60_000;

/** RATE_LIMIT_ALLOW_LIST as addresses (comma-separated), for every limit here. */
function allowListOf(config: Config): string[] {
  return config.RATE_LIMIT_ALLOW_LIST.split(',').map((a) => a.trim()).filter(Boolean);
}

function tooMany(detail: string, retryAfterS: number): OneLotError {
  return new OneLotError('ONELOT_ERR_RATE_LIMITED', ` ${detail}; try again in ${retryAfterS} s`);
}

/**
 * The open-data feeds' own per-address limit (OPEN_DATA_LIMIT_PER_MINUTE), an onRequest hook: its
 * own counter, so a portal polling the feeds does not spend the budget of a driver's map at the same
 * address, and the allow-list spares loopback as everywhere else.
 */
export function openDataLimit(app: App, config: Config): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const max = config.OPEN_DATA_LIMIT_PER_MINUTE;
  const allowList = allowListOf(config);
  const check = app.createRateLimit({ max, timeWindow: MINUTE_MS, allowList: (req) => allowList.includes(req.ip), keyGenerator: (req) => `open-data:${req.ip}` });
  return async (req, reply) => {
    const r = await check(req);
    if (r.isAllowed || !r.isExceeded) return;
    reply.header('retry-after', r.ttlInSeconds);
    throw tooMany(`from this address to the open-data feeds (${max} a minute; answers carry ETag and Last-Modified: ask with If-None-Match)`, r.ttlInSeconds);
  };
}

export async function registerRateLimits(app: App, config: Config, pool: Pool): Promise<SignInLimits> {
  const apiWide = config.API_RATE_LIMIT_PER_MINUTE;
  const allowList = allowListOf(config);
  await app.register(rateLimit, {
    global: apiWide > 0,
    max: apiWide,
    timeWindow: MINUTE_MS,
    allowList,
    ...(config.DATABASE_URL ? { store: sharedSignInStore(pool, config.AUTH_TOKEN_SECRET) } : {}),
    errorResponseBuilder: (_req, ctx) => tooMany(`from this address (${ctx.max} a minute)`, Math.ceil(ctx.ttl / 1000)),
  });

  // createRateLimit, not app.rateLimit: the plugin runs only the first of its request handlers on a
  // request, and a sign-in needs two limits (the address's and the account's). Each limit is made
  // ONCE and shared by every route: each createRateLimit has a counter store of its own, so one
  // per route would let sign-up, sign-in and reset each spend a full budget on the same account.
  const limit = (name: string, max: number, keyOf: (req: FastifyRequest) => string, what: string, exempt: string[]) => {
    // allowList is matched against the key, so it is checked here against the address.
    const check = app.createRateLimit({ max, timeWindow: MINUTE_MS, allowList: (req) => exempt.includes(req.ip), keyGenerator: (req) => `${name}:${keyOf(req)}` });
    return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const r = await check(req);
      if (r.isAllowed || !r.isExceeded) return;
      req.log.warn({ limit: name, ip: req.ip }, 'sign-in rate limit reached');
      reply.header('retry-after', r.ttlInSeconds);
      throw tooMany(`${what} (${max} a minute)`, r.ttlInSeconds);
    };
  };
  const byAddress = limit('auth-address', config.AUTH_LIMIT_PER_ADDRESS, (req) => req.ip, 'from this address to sign-in and account routes', allowList);
  // The account a request names, put there by the route's byAccount handler just before the check.
  const accountOf = new WeakMap<FastifyRequest, string>();
  const byAccount = limit('auth-account', config.AUTH_LIMIT_PER_ACCOUNT, (req) => accountOf.get(req) ?? '', 'for this account', []);
  return {
    byAddress,
    byAccount: (keyOf) => async (req, reply) => {
      accountOf.set(req, keyOf(req).toLowerCase());
      await byAccount(req, reply);
    },
  };
}
