// The simulated payment provider in a process of its own (scripts/provider-sim.ts), so it survives
// the platform's kill -9 as a real provider would: its charges, idempotency keys and webhooks still
// being retried are there when the platform comes back.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { killWithParent } from './platform-process.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ProviderCharge { id: string; status: string; amount_fen: number; metadata: Record<string, string> }

export interface ProviderProcess {
  url: string;
  ledger(): Promise<ProviderCharge[]>;
  stop(): Promise<void>;
}

export async function startProvider(o: { webhookUrl: string; secret: string; latencyMs: number }): Promise<ProviderProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/provider-sim.ts', '--webhook-url', o.webhookUrl, '--latency-ms', String(o.latencyMs)], {
    cwd: ROOT, env: { ...process.env, PAYMENT_WEBHOOK_SECRET: o.secret }, stdio: ['pipe', 'pipe', 'inherit'],
  });
  killWithParent(child);
  const waiting: Array<(line: Record<string, unknown>) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try { waiting.shift()?.(JSON.parse(line)); } catch { /* not ours */ }
  });
  const next = () => new Promise<Record<string, unknown>>((resolve, reject) => {
    waiting.push(resolve);
    child.once('exit', (code) => reject(new Error(`the provider process exited (${code})`)));
  });
  const { url } = await next() as { url: string };
  return {
    url,
    async ledger() {
      const answer = next();
      child.stdin!.write('ledger\n');
      return (await answer).ledger as ProviderCharge[];
    },
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
