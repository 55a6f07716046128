// A Mosquitto 2 broker of one's own, for a benchmark or a test: on a free port of 127.0.0.1, with
// its own configuration file in a temporary directory (the machine's Mosquitto on 1883 is shared
// and never reconfigured). Stopped with SIGTERM, SIGKILL if this process exits first.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './platform-process.ts';

export interface Mosquitto {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Debian's mosquitto package puts the broker in /usr/sbin, outside a normal user's PATH. */
const BINARY = process.env.MOSQUITTO_PATH ?? '/usr/sbin/mosquitto';

/**
 * Start `mosquitto -c <file>` listening on a free port; `config` lines come after the listener and
 * the defaults (anonymous clients allowed, no persistence, no log), so they can override them.
 */
export async function startMosquitto(config: string[] = []): Promise<Mosquitto> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onelot-mosquitto-'));
  const file = path.join(dir, 'mosquitto.conf');
  writeFileSync(file, [
    `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', ...config, '',
  ].join('\n'));
  const child = spawn(BINARY, ['-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b) => { stderr += b; });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanup = () => { process.off('exit', killOnExit); rmSync(dir, { recursive: true, force: true }); };
  // Ready when it accepts a TCP connection.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) { cleanup(); throw new Error(`mosquitto exited (${child.exitCode}) while starting: ${stderr.trim()}`); }
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) { child.kill('SIGKILL'); cleanup(); throw new Error(`mosquitto did not listen on ${port} within 10 s: ${stderr.trim()}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`, port, pid: child.pid!,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
      cleanup();
    },
  };
}
