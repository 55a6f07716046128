// Sends the malformed packets of packets.ts, one connection each, over raw TCP, and notes what the
// broker did: closed the connection, refused the CONNECT (CONNACK ≠ 0), or left it open (we close
// it after a short wait). A refused TCP connection means the broker is gone: that is a crash.
//
// Bad CONNECTs from one address lock that address for a minute (ingest/connect-limiter.ts: 20
// wrong secrets), as they should: the unauthenticated cases come from 127.0.0.2, a loopback
// address of their own, so the lock falls there and not on the address the real devices of this
// run use. The authenticated cases sign in as real devices from the usual address.
import net from 'node:net';
import { connectPacket, samplePackets, type PacketCase } from './packets.ts';
import type { Credentialed } from './payload-phase.ts';

export interface PacketPhaseResult {
  sent: number;
  byCategory: Map<string, { n: number; closedByBroker: number; refused: number; leftOpen: number }>;
  /** Connections the broker refused at TCP level, or other failures of this client: broker down. */
  failures: number;
  failureSamples: string[];
  bytesSent: number;
  seconds: number;
}

export interface PacketPhaseOptions {
  mqttUrl: string;
  devices: Credentialed[];
  count: number;
  seed: number;
  concurrency?: number;
  /** How long to watch a connection after the packet went out, ms. */
  waitMs?: number;
  /** Source address of the unauthenticated cases (default 127.0.0.2). */
  strangerAddress?: string;
}

type Outcome = 'closedByBroker' | 'refused' | 'leftOpen';

function sendOne(o: PacketPhaseOptions, c: PacketCase, device: Credentialed, bytes: Buffer): Promise<Outcome> {
  const { hostname, port } = new URL(o.mqttUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port), localAddress: c.authenticated ? undefined : (o.strangerAddress ?? '127.0.0.2') });
    let outcome: Outcome | undefined;
    let signedIn = !c.authenticated;
    let timer: NodeJS.Timeout | undefined;
    const finish = (why: Outcome) => { if (outcome) return; outcome = why; clearTimeout(timer); socket.destroy(); resolve(why); };
    const send = () => {
      socket.write(bytes);
      timer = setTimeout(() => finish('leftOpen'), o.waitMs ?? 400);
    };
    // 30 s: a sign-in checks the secret in the database, which a loaded machine slows down.
    socket.setTimeout(30_000, () => { if (!outcome) { socket.destroy(); reject(new Error(`${c.category}: no CONNACK within 30 s`)); } });
    socket.on('connect', () => {
      if (c.authenticated) socket.write(connectPacket({ clientId: device.id, user: device.id, pass: device.secret, keepalive: 30 }));
      else send();
    });
    socket.on('data', (chunk) => {
      if (!signedIn && chunk[0] === 0x20) {
        if (chunk[3] !== 0) return finish('refused');
        signedIn = true;
        send();
      } else if (chunk[0] === 0x20 && chunk[3] !== 0) finish('refused');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A reset while we write is the broker closing on us; a refused connection is no broker.
      if (err.code === 'ECONNREFUSED' || err.code === 'EADDRNOTAVAIL') { if (!outcome) { outcome = 'leftOpen'; reject(err); } }
      else finish('closedByBroker');
    });
    socket.on('close', () => {
      if (!signedIn && c.authenticated && !outcome) { outcome = 'refused'; reject(new Error(`${device.id} could not sign in (connection closed before CONNACK)`)); return; }
      finish('closedByBroker');
    });
  });
}

export async function runPacketPhase(o: PacketPhaseOptions): Promise<PacketPhaseResult> {
  const started = performance.now();
  const cases = samplePackets(o.count, o.seed);
  const r: PacketPhaseResult = { sent: 0, byCategory: new Map(), failures: 0, failureSamples: [], bytesSent: 0, seconds: 0 };
  let next = 0;
  const worker = async (w: number) => {
    for (let i = next++; i < cases.length; i = next++) {
      const c = cases[i];
      // One device per worker: two connections with one client id would take each other over.
      const device = o.devices[w % o.devices.length];
      const bytes = c.bytes();
      const cat = r.byCategory.get(c.category) ?? { n: 0, closedByBroker: 0, refused: 0, leftOpen: 0 };
      r.byCategory.set(c.category, cat);
      cat.n++;
      r.sent++;
      r.bytesSent += bytes.length;
      try {
        cat[await sendOne(o, c, device, bytes)]++;
      } catch (err) {
        r.failures++;
        if (r.failureSamples.length < 5) r.failureSamples.push(`${c.category}: ${(err as Error).message}`);
      }
    }
  };
  const concurrency = Math.min(o.concurrency ?? 64, o.devices.length);
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  r.seconds = (performance.now() - started) / 1000;
  return r;
}
