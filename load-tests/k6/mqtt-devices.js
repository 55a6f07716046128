// k6 run load-tests/k6/mqtt-devices.js -e MQTT_URL=mqtt://127.0.0.1:1883 -e CREDENTIALS=../../data/demo-devices.json
// Devices over MQTT with the xk6-mqtt extension (k6 must be built with it:
// `xk6 build --with github.com/grafana/xk6-mqtt`). Two scenarios:
// - ingest: DEVICES sensors publish QoS 1 at RATE messages/s in all (default: 10× the Zhengzhou
//   rate, docs/performance.md), PUBACK timed per message (PUBACK means committed);
// - connections: CONNECTIONS devices connect and hold their connection, one heartbeat each.
// The credentials file is the one `npm start` writes; for more connections than the demo fleet
// has, register extra devices first (npm run load -- --scenario connections does it for its own run).
import mqtt from 'k6/x/mqtt';
import { SharedArray } from 'k6/data';
import { Counter, Trend } from 'k6/metrics';
import exec from 'k6/execution';
import { setInterval, setTimeout, clearInterval } from 'k6/timers';

const MQTT_URL = __ENV.MQTT_URL || 'mqtt://127.0.0.1:1883';
const DURATION_S = Number(__ENV.DURATION_S || 30);
const DEVICES = Number(__ENV.DEVICES || 1000);
// 354,100 bays × one heartbeat per 10 min + 23,000 sessions × 2 events per day ≈ 591 msg/s; ×10.
const RATE = Number(__ENV.RATE || 5907);
const CONNECTIONS = Number(__ENV.CONNECTIONS || 5000);

/** @type {Array<{ id: string, kind: string, secret: string }>} */
const devices = new SharedArray('devices', () => JSON.parse(open(__ENV.CREDENTIALS || '../../data/demo-devices.json')).devices);

/** @type {import('k6/options').Options} */
export const options = {
  scenarios: {
    ingest: { executor: 'per-vu-iterations', exec: 'publishLoop', vus: DEVICES, iterations: 1, maxDuration: `${DURATION_S + 30}s` },
    connections: { executor: 'per-vu-iterations', exec: 'holdConnection', vus: CONNECTIONS, iterations: 1, startTime: `${DURATION_S + 35}s`, maxDuration: `${DURATION_S + 60}s` },
  },
  thresholds: {
    // Targets (2-core reference machine): ≥ 20,000 msg/s stored with PUBACK p99 < 50 ms; ≥ 5,000 connections held.
    onelot_puback_ms: ['p(50)<10', 'p(99)<50'],
    onelot_messages_acked: [`rate>=${Math.min(RATE, 20000) * 0.95}`],
    onelot_connections_held: [`count>=${Math.min(CONNECTIONS, 5000)}`],
    onelot_mqtt_errors: ['count<1'],
  },
};

const puback = new Trend('onelot_puback_ms', true);
const acked = new Counter('onelot_messages_acked');
const held = new Counter('onelot_connections_held');
const errors = new Counter('onelot_mqtt_errors');

/** @param {number} index */
function credential(index) {
  const plain = devices.filter((d) => d.kind !== 'gateway');
  return plain[index % plain.length];
}

/**
 * One sensor: connect as itself, then publish every 1/(RATE/DEVICES) s until DURATION_S, mostly
 * heartbeats with an occupancy change now and then, and time each PUBACK.
 */
export function publishLoop() {
  const d = credential(exec.vu.idInTest - 1);
  const client = new mqtt.Client({ client_id: d.id, clientId: d.id, username: d.id, password: d.secret });
  let seq = Date.now() * 10 + exec.vu.idInTest;
  let occupied = false;
  client.on('error', () => errors.add(1));
  client.on('connect', () => {
    const every = Math.max(1, 1000 / (RATE / DEVICES));
    const timer = setInterval(() => {
      const heartbeat = Math.random() < 0.8;
      if (!heartbeat) occupied = !occupied;
      const body = heartbeat
        ? { type: 'heartbeat', seq: ++seq, ts: new Date().toISOString(), battery: 3.6 }
        : { type: 'occupancy', seq: ++seq, ts: new Date().toISOString(), occupied };
      const t0 = Date.now();
      client.publishAsync(`devices/${d.id}/events`, JSON.stringify(body), { qos: 1 })
        .then(() => { puback.add(Date.now() - t0); acked.add(1); })
        .catch(() => errors.add(1));
    }, every);
    setTimeout(() => { clearInterval(timer); client.end(); }, DURATION_S * 1000);
  });
  client.connect(MQTT_URL, { keepalive: 60, connect_timeout: 10000 });
}

/** One device holds its connection for DURATION_S and sends one heartbeat, proving it is live. */
export function holdConnection() {
  const d = credential(exec.vu.idInTest - 1);
  const client = new mqtt.Client({ client_id: d.id, clientId: d.id, username: d.id, password: d.secret });
  client.on('error', () => errors.add(1));
  client.on('connect', () => {
    setTimeout(() => {
      client.publishAsync(`devices/${d.id}/events`, JSON.stringify({ type: 'heartbeat', seq: Date.now() * 10, ts: new Date().toISOString() }), { qos: 1 })
        .then(() => { if (client.connected) held.add(1); })
        .catch(() => errors.add(1));
    }, Math.random() * DURATION_S * 800);
    setTimeout(() => client.end(), DURATION_S * 1000);
  });
  client.connect(MQTT_URL, { keepalive: 60, connect_timeout: 10000 });
}
