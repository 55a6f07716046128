// The platform as benchmarks and load runs see it: a child process started exactly as `npm start`
// starts it (`node <core/node-flags.ts's flags> --import tsx main.ts`, configured by the environment),
// reached only over MQTT and HTTP like any outside client, measured from /proc/<pid> and /metrics.
// So a benchmark runs the platform people run (billing, payments, price estimates, auto-charge),
// and its own process (figures, IPC with the load generators) takes no CPU from the platform's
// process.
//
// The child never outlives the benchmark: stop() is SIGTERM (main.ts closes cleanly) then SIGKILL
// after a timeout; SIGINT/SIGTERM to the benchmark stop it first; if the benchmark crashes, the
// 'exit' handler kills it (SIGKILL: nothing can be awaited there; the embedded database recovers
// from its write-ahead log like after a power cut).
import { spawn, type ChildProcess } from 'node:child_process';
import { nodeFlags } from '../../core/node-flags.ts';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleValue } from './stats.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Linux's USER_HZ (/proc/<pid>/stat counts CPU time in these ticks): 100 on every architecture Node supports.
const CLOCK_TICKS_PER_S = 100;

export interface PlatformProcessOptions {
  /** DATA_DIR: the embedded database and the device credentials file. */
  dataDir: string;
  /** LOG_LEVEL of the platform (its logs go to this process's stderr). Default 'warn'. */
  logLevel?: string;
  /** More environment for the platform (SEED_DEMO, SCHEDULED_JOBS, …); wins over everything else. */
  env?: Record<string, string>;
  /** More node options before the entry point (e.g. `--cpu-prof`; the database worker thread inherits them). */
  nodeArgs?: string[];
  /** JS heap cap, as `npm start` sets it from ONELOT_HEAP_MB (default 1024). */
  heapMb?: number;
  /** Longest wait for GET /healthz = 200 (a whole city takes a while to open). Default 300 s. */
  startTimeoutMs?: number;
  /** After SIGTERM, how long before SIGKILL. Default 20 s (main.ts gives up on itself after 15). */
  stopTimeoutMs?: number;
  /** Stop the platform, then exit, on SIGINT/SIGTERM to this process (default true). Off when the caller stops it itself. */
  handleSignals?: boolean;
  /** Ports to listen on (default: free ones). A restart on the same ports is what devices and a provider's webhooks see after a crash. */
  httpPort?: number;
  mqttPort?: number;
}

export interface ProcessUsage {
  /** User + system CPU time of the platform process (all its threads: main, database, GC), seconds. */
  cpuSeconds: number;
  /** Resident set size now, bytes. */
  rssBytes: number;
}

export interface PlatformProcess {
  httpUrl: string;
  mqttUrl: string;
  dataDir: string;
  credentialsFile: string;
  pid: number;
  /** GET /metrics (Prometheus text). */
  metrics(): Promise<string>;
  /** CPU and RSS from /proc/<pid>; null once the process is gone. */
  usage(): ProcessUsage | null;
  /** Resolves with the exit code (or signal) when the process ends, for whatever reason. */
  exited: Promise<number | string | null>;
  stop(): Promise<void>;
}

/** A port free on host right now (the OS picks it; port 1883 is Mosquitto's on our machines). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * ONELOT_PLATFORM_NODE_ARGS: more Node flags for the platform only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"
 * (Node refuses --cpu-prof in NODE_OPTIONS; it profiles every thread, the database worker too).
 */
const platformNodeArgs = () => (process.env.ONELOT_PLATFORM_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

export async function startPlatformProcess(opts: PlatformProcessOptions): Promise<PlatformProcess> {
  const host = '127.0.0.1';
  const [httpPort, mqttPort] = [opts.httpPort ?? await freePort(host), opts.mqttPort ?? await freePort(host)];
  const flags = nodeFlags(opts.heapMb ? { ...process.env, ONELOT_HEAP_MB: String(opts.heapMb) } : process.env);
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATA_DIR: opts.dataDir, HOST: host, HTTP_PORT: String(httpPort), MQTT_PORT: String(mqttPort),
    SIMULATE: 'false', LOG_LEVEL: opts.logLevel ?? 'warn',
    // No node-cron job may land at a random point of a measured run (bench:analytics turns them on
    // to time the fold). SCHEDULED_JOBS=true in the environment runs a benchmark with them.
    SCHEDULED_JOBS: process.env.SCHEDULED_JOBS ?? 'false',
    ...opts.env,
  };
  const child = spawn(process.execPath, [...flags, ...(opts.nodeArgs ?? []), ...platformNodeArgs(), '--import', 'tsx', 'main.ts'], {
    cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid!;
  const httpUrl = `http://${host}:${httpPort}`;

  // The platform's logs (stderr) are passed on; its stdout is the start-up banner, kept only to
  // know when start-up is complete and to explain a failed start.
  const tail: string[] = [];
  const keep = (chunk: Buffer) => { tail.push(...chunk.toString('utf8').split('\n').filter(Boolean)); tail.splice(0, Math.max(0, tail.length - 40)); };
  let bannerSeen = false;
  child.stdout!.on('data', (chunk: Buffer) => { keep(chunk); if (chunk.includes('OneLot is running')) bannerSeen = true; });
  child.stderr!.on('data', (chunk: Buffer) => { keep(chunk); process.stderr.write(chunk); });

  let exitedWith: number | string | null | undefined;
  const exited = new Promise<number | string | null>((resolve) => {
    child.on('exit', (code, signal) => { exitedWith = code ?? signal; resolve(exitedWith); });
  });
  const killOnExit = () => { if (exitedWith === undefined) child.kill('SIGKILL'); };
  process.on('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = () => stopping ??= (async () => {
    if (exitedWith === undefined) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), opts.stopTimeoutMs ?? 20_000);
      await exited;
      clearTimeout(killer);
    }
    process.off('exit', killOnExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  })();
  const onSignal = (signal: NodeJS.Signals) => {
    // This process's live streams (node:http's agent; fetch has its own) would hold the platform's
    // HTTP server open until main.ts gives up after 15 s. Load generators are killed on exit.
    http.globalAgent.destroy();
    // The interrupted run fails as its platform goes away (refused scrapes, generators ending
    // early): expected now, not worth a stack trace; the exit code says what happened.
    const quiet = () => {};
    process.on('uncaughtException', quiet);
    process.on('unhandledRejection', quiet);
    process.stderr.write(`\n${signal}: stopping the platform (pid ${pid})…\n`);
    void stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  if (opts.handleSignals !== false) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  // Ready = /healthz answers 200 (database and broker up) and main.ts has printed its banner, which
  // it does once startPlatform has returned: the modules' start-up (payments' provider and
  // auto-charger) is done too. A banner that never comes (its wording changed) costs 10 s, not the run.
  const deadline = Date.now() + (opts.startTimeoutMs ?? 300_000);
  const failed = (why: string) => new Error(`the platform (pid ${pid}, ${path.join(ROOT, 'main.ts')}) ${why}; its last output:\n  ${tail.join('\n  ')}`);
  let healthyAt = 0;
  try {
    for (;;) {
      if (exitedWith !== undefined) throw failed(`exited (${exitedWith}) while starting`);
      if (Date.now() > deadline) throw failed(`did not answer GET /healthz = 200 within ${Math.round((opts.startTimeoutMs ?? 300_000) / 1000)} s`);
      if (!healthyAt) {
        const ok = await fetch(`${httpUrl}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false);
        if (ok) healthyAt = Date.now();
      }
      if (healthyAt && (bannerSeen || Date.now() - healthyAt > 10_000)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    httpUrl, mqttUrl: `mqtt://${host}:${mqttPort}`, dataDir: opts.dataDir, credentialsFile: path.join(opts.dataDir, 'demo-devices.json'), pid,
    exited, stop,
    metrics: async () => {
      const res = await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
      return res.text();
    },
    usage: () => (exitedWith === undefined ? procUsage(pid) : null),
  };
}

/** CPU (utime + stime) and RSS of a process from /proc; null if it is gone. */
export function procUsage(pid: number): ProcessUsage | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // fields 14 and 15: utime, stime
    const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
    return { cpuSeconds: ticks / CLOCK_TICKS_PER_S, rssBytes: rssKb * 1024 };
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `everyMs` and keeps the peak (reset() starts a new peak). */
export function rssPeakSampler(pid: number, everyMs = 250) {
  let peak = 0;
  const sample = () => { peak = Math.max(peak, procUsage(pid)?.rssBytes ?? 0); };
  sample();
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    get peak() { sample(); return peak; },
    reset() { peak = 0; sample(); },
    stop() { clearInterval(timer); },
  };
}

/**
 * Wait until the platform has counted at least `atLeast` device messages (stored + duplicates)
 * more than `from`, and the count has stopped moving for `quietMs` (what was in flight when a
 * generator stopped has landed too), or `timeoutMs` passed. A PUBACK is sent after the commit, so
 * what a generator saw acknowledged is counted already; this replaces the in-process writer.drain().
 * Returns the stored count (stored_total only) at that point.
 */
export async function settleIngest(platform: Pick<PlatformProcess, 'metrics'>, o: { from: number; atLeast: number; quietMs?: number; timeoutMs?: number; emptyBacklog?: boolean }): Promise<{ stored: number; settled: boolean; lastChangeAt: number }> {
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  let last = -1;
  let since = Date.now();
  // performance.now() when the count last grew: the end of a backlog's drain.
  let lastChangeAt = performance.now();
  for (;;) {
    const text = await platform.metrics();
    const stored = sampleValue(text, 'onelot_mqtt_messages_stored_total');
    const seen = stored + sampleValue(text, 'onelot_mqtt_messages_duplicate_total');
    if (seen !== last) { last = seen; since = Date.now(); lastChangeAt = performance.now(); }
    // emptyBacklog: nothing read from a socket still waits for its commit (a stall of the collector is quiet too).
    const empty = !o.emptyBacklog || sampleValue(text, 'onelot_ingest_backlog') === 0;
    if (seen - o.from >= o.atLeast && empty && Date.now() - since >= (o.quietMs ?? 300)) return { stored, settled: true, lastChangeAt };
    if (Date.now() > deadline) return { stored, settled: false, lastChangeAt };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** CLOCK_MONOTONIC in µs: the clock of V8's `--cpu-prof` timestamps, for load-tests/profile-top.ts --window. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Kill a load-generator child if this process exits without stopping it (crash, signal, early exit). */
export function killWithParent(child: ChildProcess): void {
  const kill = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); };
  process.on('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}
