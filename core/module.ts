// The contract between a domain module (billing/, payments/, analytics/, operators/, …) and the
// composer (platform.ts). A module declares what it adds — work inside each ingest transaction,
// HTTP routes, scheduled jobs, work started once everything listens — and platform.ts composes a
// plain list of them. Declared here, below every module and the API shell, so none of them imports
// another's internals or the composer.
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ChangeFeed } from './changes.ts';
import type { Config, Role } from './config.ts';
import type { Pool } from './db/index.ts';
import type { OperatorPrincipal } from './sessions.ts';
import type { BatchHook } from './ingest-events.ts';
import type { Metrics } from './metrics.ts';
import type { SmsSender } from './sms.ts';
import type { BrokerAccounts } from './device-accounts.ts';

/** The fastify instance every route file receives: TypeBox schemas type its requests. */
export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by HttpAuth.requireDriver / optionalDriver. */
    driverId?: number;
    /** Set by HttpAuth.requireOperator (every route of a module's operatorRoutes): the account, its tenant and role. */
    operator?: OperatorPrincipal;
    /** The session the request's token names (set with driverId or operator); signing out revokes it. */
    sessionId?: string;
  }
}

/** preHandlers of the API shell (api/auth.ts): 401 ONELOT_ERR_UNAUTHORIZED unless the token fits. */
export interface HttpAuth {
  /** A valid driver token is required; sets req.driverId. */
  requireDriver(req: FastifyRequest): Promise<void>;
  /** Sets req.driverId when a driver token is presented; a bad one is still a 401. */
  optionalDriver(req: FastifyRequest): Promise<void>;
  /** A valid console token of an active account is required; sets req.operator. */
  requireOperator(req: FastifyRequest): Promise<void>;
  /** After a sign-in: put the session in the browser's HttpOnly cookie (and its CSRF twin). */
  startSession(reply: FastifyReply, kind: SessionKind, session: { token: string; expiresAt: string }): void;
  /** Sign out: revoke req.sessionId and clear the cookies. */
  endSession(req: FastifyRequest, reply: FastifyReply, kind: SessionKind): Promise<void>;
}

/** Whose cookie: the driver's web app or the operators' console (two cookies, one browser may hold both). */
export type SessionKind = 'driver' | 'console';

/**
 * Limits on the routes that take a password or send a code (api/rate-limits.ts): 429 with
 * retry-after when exceeded. Never a lock-out: each is a one-minute window.
 */
export interface SignInLimits {
  /** Per client address (AUTH_LIMIT_PER_ADDRESS a minute); an onRequest hook. */
  byAddress(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Per account named in the body (AUTH_LIMIT_PER_ACCOUNT a minute); a preHandler, after the body is parsed. */
  byAccount(keyOf: (req: FastifyRequest) => string): (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

export interface Log {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

/** What every module may use, at routes, jobs and start alike. */
export interface ModuleContext {
  config: Config;
  pool: Pool;
  metrics: Metrics;
  changes: ChangeFeed;
  log: Log;
  /** The SMS provider a module (notifications/) supplies; undefined when none is loaded. */
  sms?: SmsSender;
  /** Device accounts on the external MQTT broker (MQTT_BROKER_ADMIN_URL); undefined with the embedded broker. */
  brokerAccounts?: BrokerAccounts;
}

export interface RouteContext extends ModuleContext {
  auth: HttpAuth;
  limits: SignInLimits;
}

/**
 * A module's routes: registered by the API shell, each module in its own encapsulated fastify
 * context (its content-type parsers and hooks stay its own).
 */
export type RoutesPlugin = (app: App, ctx: RouteContext) => Promise<void> | void;

/** A node-cron job. The composer schedules every module's jobs in one place (SCHEDULED_JOBS). */
export interface Job {
  /** Shown in logs when a run fails. */
  name: string;
  /** node-cron expression (seconds optional). */
  schedule: string;
  /** IANA zone the schedule is read in; default the machine's. */
  timeZone?: string;
  run(ctx: ModuleContext): Promise<void>;
}

export interface StartContext extends ModuleContext {
  /** The API's own base URL, e.g. for webhooks a provider calls back. */
  httpUrl: string;
}

/**
 * Free bays at arrival (issue 15, analytics/): guidance ranks by the chance of a space when the
 * driver gets there, and tells the forecast where it sent them.
 */
export interface ArrivalForecast {
  /** Probability (0..1) of at least one free bay at the lot at `arrival`; null without enough history. */
  chanceOfSpace(lotId: string, arrival: Date): number | null;
  /** A guidance request chose this lot; the driver should arrive at `arrival`. */
  heading(lotId: string, arrival: Date): void;
}

export interface OneLotModule {
  name: string;
  /** Work inside each ingest transaction (e.g. sessions from device events). */
  hooks?: BatchHook[];
  /** Public and driver routes, with their full paths. */
  routes?: RoutesPlugin;
  /**
   * Operators' routes, paths relative to /api/v1/operator. The shell mounts every module's in one
   * scope that requires an operator token, so access control is audited in one place (api/app.ts).
   */
  operatorRoutes?: RoutesPlugin;
  jobs?: Job[];
  /** The SMS provider this module supplies to every module's context (notifications/). */
  sms?: SmsSender;
  /** What parking at a lot from entry to exit would cost (fen); guidance ranks by it. */
  priceEstimate?: (lotId: string, entry: Date, exit: Date) => number | null;
  /** Free bays at arrival; guidance ranks by it. */
  arrivalForecast?: ArrivalForecast;
  /** Runs once the broker and the API listen; returns its stop. */
  start?(ctx: StartContext): Promise<(() => Promise<void>) | void>;
  /**
   * The roles of the processes `start` runs in (processes by role: README, "Roles"); default
   * `api`, whose HTTP server webhooks and receipts reach. httpUrl is '' in a process without it.
   */
  startIn?: readonly Role[];
}
