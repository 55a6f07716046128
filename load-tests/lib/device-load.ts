// Child process of the ingest benchmark: N real MQTT device connections publishing QoS 1 as fast
// as PUBACKs come back (closed loop, `window` messages in flight per device), for a fixed time.
// Runs apart from the platform so the load generator's CPU does not count as the platform's.
import mqtt, { type MqttClient } from 'mqtt';
import type { DeviceCredential } from '../../simulators/city-loader.ts';

interface Start { mqttUrl: string; devices: DeviceCredential[]; seconds: number; window: number }

process.on('message', async (msg: Start) => {
  const { mqttUrl, devices, seconds, window } = msg;
  const clients: MqttClient[] = [];
  // Connect 50 at a time: a thousand simultaneous CONNECTs is a storm, not a benchmark.
  for (let i = 0; i < devices.length; i += 50) {
    await Promise.all(devices.slice(i, i + 50).map((d) => new Promise<void>((resolve, reject) => {
      const c = mqtt.connect(mqttUrl, { clientId: d.id, username: d.id, password: d.secret, protocolVersion: 4, reconnectPeriod: 0 });
      c.once('connect', () => { clients.push(c); resolve(); });
      c.once('error', reject);
    })));
  }
  process.send!({ type: 'connected', count: clients.length });

  const latencies: number[] = [];
  let acked = 0;
  let errors = 0;
  const started = Date.now();
  const deadline = started + seconds * 1000;
  let seq = Date.now() * 10;
  const loop = (c: MqttClient, d: DeviceCredential, state: { occupied: boolean }) => new Promise<void>((resolve) => {
    const next = () => {
      if (Date.now() >= deadline) return resolve();
      state.occupied = !state.occupied;
      const t0 = performance.now();
      const body = JSON.stringify({ type: 'occupancy', seq: ++seq, ts: new Date().toISOString(), occupied: state.occupied });
      c.publish(`devices/${d.id}/events`, body, { qos: 1 }, (err) => {
        if (err) errors++;
        else { acked++; if ((acked & 7) === 0) latencies.push(performance.now() - t0); }
        next();
      });
    };
    next();
  });
  const loops: Promise<void>[] = [];
  clients.forEach((c, i) => { const s = { occupied: false }; for (let w = 0; w < window; w++) loops.push(loop(c, devices[i], s)); });
  const progress = setInterval(() => process.send!({ type: 'progress', acked, elapsed: (Date.now() - started) / 1000 }), 1000);
  await Promise.all(loops);
  clearInterval(progress);
  const elapsed = (Date.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.endAsync()));
  process.send!({ type: 'done', acked, errors, elapsed, latencies });
});
