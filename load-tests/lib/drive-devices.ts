// Run the device load generator (load-tests/lib/device-load.ts) as a child process against a
// broker and wait for its figures, with a progress line on stderr.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killWithParent } from './platform-process.ts';
import type { DeviceLoadDone, DeviceLoadStart } from './device-load.ts';

/** `onConnected` runs once every device is connected, just before they publish (a window's start). */
export async function driveDevices(start: DeviceLoadStart, onConnected: (count: number) => Promise<void> | void = () => {}): Promise<DeviceLoadDone> {
  const child = fork(fileURLToPath(new URL('./device-load.ts', import.meta.url)), { execArgv: ['--import', 'tsx'] });
  killWithParent(child);
  try {
    return await new Promise<DeviceLoadDone>((resolve, reject) => {
      child.on('message', async (m: { type: string; count: number; elapsed: number; acked: number } | DeviceLoadDone) => {
        if (m.type === 'connected') {
          await onConnected((m as { count: number }).count);
          process.stderr.write(`${(m as { count: number }).count} devices connected; publishing for ${start.seconds} s…\n`);
        } else if (m.type === 'progress') {
          const p = m as { elapsed: number; acked: number };
          process.stderr.write(`\r  ${p.elapsed.toFixed(0)} s  ${p.acked} acked  ${Math.round(p.acked / p.elapsed)} msg/s   `);
        } else if (m.type === 'done') resolve(m as DeviceLoadDone);
      });
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`the device load process exited (${code}) before reporting`)));
      child.send(start);
    });
  } finally {
    process.stderr.write('\n');
    child.kill();
  }
}
