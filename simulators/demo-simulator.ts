// The demo fleet inside `npm start` (and `npm run simulate`): every demo device drives the platform
// over real MQTT.
import { readFileSync } from 'node:fs';
import type { CredentialsFile } from '../seed/city-loader.ts';
import { generateDemoCity } from '../seed/demo-city.ts';
import { steadyOccupancy } from './demand.ts';
import { startFleet, type FleetLot } from './fleet.ts';

export function demoLots(): FleetLot[] {
  return generateDemoCity().lots.map((l) => ({ id: l.id, kind: l.kind, capacity: l.capacity, demand: l.demand }));
}

/** The share of bays the demand curve sustains at `now`: where a simulation should start. */
export function steadyCityOccupancy(lots: FleetLot[], now: Date): number {
  const capacity = lots.reduce((a, l) => a + l.capacity, 0);
  return lots.reduce((a, l) => a + steadyOccupancy(l, now) * l.capacity, 0) / Math.max(1, capacity);
}

export async function startDemoSimulator(platform: { mqttUrl: string; credentialsFile: string }, speed: number): Promise<() => Promise<void>> {
  const creds = JSON.parse(readFileSync(platform.credentialsFile, 'utf8')) as CredentialsFile;
  const lots = demoLots();
  const fleet = await startFleet({
    mqttUrl: platform.mqttUrl, devices: creds.devices, lots, speed,
    // Every sensor reports at start, so the map has no unknown bays after the first seconds.
    initialOccupancy: steadyCityOccupancy(lots, new Date()),
    // A realistic city: a little loss, duplication and late delivery, which ingest must absorb.
    faults: { loss: 0.002, duplicate: 0.01, late: 0.01, misread: 0.02 },
  });
  return () => fleet.stop();
}
