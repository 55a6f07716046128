// bench:ingest's bare-broker baseline (issue 14, "A leaner ingest path"): aedes with its defaults,
// no authentication, no validation, no storage, PUBACK as soon as a message is read, in a process of
// its own like the platform, driven by the same generator, devices and window as OneLot in the same
// run. OneLot's rate ÷ this one is the ratio that holds on a faster or slower machine.
// Forked: `runBareBaseline` starts it; the child listens on a free port and reports it over IPC.
import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import type { DeviceLoadStart } from './device-load.ts';
import { driveDevices } from './drive-devices.ts';
import { killWithParent, procUsage } from './platform-process.ts';
import { summarize } from './stats.ts';

export interface BareFigures {
  ackedPerSecond: number;
  acked: number;
  publishErrors: number;
  pubackMs: { p50: number; p99: number; max: number };
  /** The broker process's CPU over the window, in cores. */
  cores: number | null;
}

export async function runBareBaseline(o: Omit<DeviceLoadStart, 'mqttUrl'>): Promise<BareFigures> {
  const child = fork(fileURLToPath(import.meta.url), { execArgv: ['--import', 'tsx'] });
  killWithParent(child);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(m.port));
      child.once('exit', (code) => reject(new Error(`the bare broker exited (${code}) before listening`)));
    });
    let at = { wall: 0, cpu: NaN };
    const result = await driveDevices({ ...o, mqttUrl: `mqtt://127.0.0.1:${port}` }, () => {
      at = { wall: performance.now(), cpu: procUsage(child.pid!)?.cpuSeconds ?? NaN };
    });
    const wall = (performance.now() - at.wall) / 1000;
    const cpu = procUsage(child.pid!)?.cpuSeconds;
    const puback = summarize(result.latencies);
    return {
      ackedPerSecond: Math.round(result.acked / result.elapsed), acked: result.acked, publishErrors: result.errors,
      pubackMs: { p50: puback.p50, p99: puback.p99, max: puback.max },
      cores: cpu === undefined || !Number.isFinite(at.cpu) ? null : Math.round(((cpu - at.cpu) / wall) * 100) / 100,
    };
  } finally {
    child.kill();
  }
}

// The child: a broker that does nothing but be a broker.
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  const aedes = await Aedes.createBroker({ maxClientsIdLength: 128 });
  const server = net.createServer((socket) => aedes.handle(socket));
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as net.AddressInfo).port }));
  // Ends with its parent (IPC channel closed), whatever the parent's way of ending.
  process.on('disconnect', () => process.exit(0));
}
