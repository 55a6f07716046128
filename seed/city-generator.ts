// A deterministic city of any size, up to the reference city (Zhengzhou: 1,000 closed garages with
// 224,782 bays, 23,310 on-street bays, 1.1 million registered drivers), placed over the real extent
// of its six central districts. Pure: same options, same city. The 'demo' preset is the demo
// district itself (seed/demo-city.ts), untouched.
//
// Memory: the reference city has ~250k bays and ~255k devices, held as plain data objects (no
// closures, no per-bay arrays except a camera's few bays); drivers are streamed by an iterator and
// never held at once.
import type { DeviceKind } from '../core/protocol.ts';
import { DISTRICTS, generateDemoCity, seededRandom, type City, type CityBay, type CityLot } from './demo-city.ts';
import { randomPlate } from './plates.ts';

export type CityPreset = 'demo' | 'small' | 'district' | 'zhengzhou';
export const CITY_PRESETS: readonly CityPreset[] = ['demo', 'small', 'district', 'zhengzhou'];

export interface GenerateCityOptions {
  preset?: CityPreset;
  garages?: number;
  /** Bays over all garages; default: the preset's (zhengzhou 224,782), scaled with --garages. */
  garageBays?: number;
  streetBays?: number;
  drivers?: number;
  seed?: number;
  /** Group bay sensors under gateway devices (kind 'gateway', no lot) of this many children each. */
  gatewayChildren?: number;
}

/** Tariff families of seed/demo-tariffs.ts (the tariffs table keys them without -vN). */
export const STREET_TARIFF = 'zz-street';
export const GARAGE_TARIFF = 'zz-garage';

export interface GeneratedLot extends CityLot { tariffId: string }
export interface GeneratedDevice {
  id: string;
  kind: DeviceKind;
  /** null for a gateway: it serves whatever its children watch. */
  lotId: string | null;
  bayCode?: string;
  lane?: string;
  bays?: string[];
  /** The gateway that publishes for this device (docs/device-protocol.md). */
  gatewayId?: string;
}
export interface GeneratedDriver {
  /** 0-based position in the population; payment tokens are tok_ok_<n>. */
  n: number;
  phone: string;
  name: string;
  /** 1–2 normalised plates, unique over the whole population. */
  plates: string[];
  /** "Leave and go": plates charged automatically at exit; such drivers have a payment method. */
  contactless: boolean;
  payment: { token: string; label: string } | null;
}
export interface DriverPopulation extends Iterable<GeneratedDriver> {
  count: number;
}
export interface GeneratedCity {
  preset: CityPreset;
  seed: number;
  operators: City['operators'];
  lots: GeneratedLot[];
  bays: CityBay[];
  devices: GeneratedDevice[];
  drivers: DriverPopulation;
}

interface PresetSpec { garages: number; garageBays: number; streetBays: number; drivers: number }
// Garage bays per garage in the reference city: 224,782 / 1,000.
const REFERENCE_MEAN_GARAGE = 224.782;
const PRESETS: Record<Exclude<CityPreset, 'demo'>, PresetSpec> = {
  small: { garages: 50, garageBays: Math.round(50 * REFERENCE_MEAN_GARAGE), streetBays: 2_000, drivers: 20_000 },
  district: { garages: 200, garageBays: Math.round(200 * REFERENCE_MEAN_GARAGE), streetBays: 6_000, drivers: 100_000 },
  zhengzhou: { garages: 1_000, garageBays: 224_782, streetBays: 23_310, drivers: 1_100_000 },
};
const DEMO_DRIVERS = 1_000;
export const DEFAULT_SEED = 20261123;

/** The central districts' real extent (WGS-84); every lot, bay and street segment lies inside. */
export const ZHENGZHOU_EXTENT = { minLat: 34.68, maxLat: 34.88, minLng: 113.55, maxLng: 113.80 } as const;
// Lots keep this far (degrees, ~450 m) from the edge so their bays and segments stay inside too.
const EDGE_MARGIN = 0.004;
/** Share of drivers with contactless payment ("leave and go"). */
export const CONTACTLESS_SHARE = 0.3;
/** Share of drivers with a second plate. */
const SECOND_PLATE_SHARE = 0.3;

interface CityDistrict {
  code: string; name: string; nameZh: string; lat: number; lng: number;
  /** Share of the city's lots. */
  weight: number;
  streets: Array<[string, string]>;
  /** Real named garages; the rest are named after a street and what is there. */
  garages: Array<[string, string, number]>;
}

// The demo's five districts plus Huiji (north, along the Yellow River); weights follow their share
// of the centre's commercial floor space, roughly.
const WEIGHTS: Record<string, number> = { JS: 0.24, ZD: 0.2, EQ: 0.16, ZY: 0.16, GC: 0.13, HJ: 0.11 };
const CITY_DISTRICTS: CityDistrict[] = [
  ...DISTRICTS.map((d) => ({ ...d, weight: WEIGHTS[d.code] })),
  { code: 'HJ', name: 'Huiji', nameZh: '惠济区', lat: 34.8620, lng: 113.6200, weight: WEIGHTS.HJ,
    streets: [['天河路', 'Tianhe Road'], ['江山路', 'Jiangshan Road'], ['开元路', 'Kaiyuan Road'], ['英才街', 'Yingcai Street'], ['长兴路', 'Changxing Road'], ['文化北路', 'Wenhua North Road'], ['迎宾路', 'Yingbin Road'], ['清华园路', 'Qinghuayuan Road']],
    garages: [['惠济万达广场停车场', 'Huiji Wanda Plaza Garage', 1.4], ['郑州大学第一附属医院惠济院区停车场', 'First Affiliated Hospital Huiji Campus Garage', 1.8], ['黄河迎宾馆停车场', 'Yellow River Guesthouse Garage', 0.8], ['惠济区政务中心停车场', 'Huiji Government Service Center Garage', 1.0]] },
];

// What a generic garage serves, and how busy that makes it (demo-city.ts: hospitals, stations, malls busier).
const GARAGE_KINDS: Array<{ zh: string; en: string; demand: number; share: number }> = [
  { zh: '住宅小区', en: 'Residential Compound', demand: 0.9, share: 0.3 },
  { zh: '写字楼', en: 'Office Tower', demand: 1.2, share: 0.2 },
  { zh: '购物中心', en: 'Shopping Centre', demand: 1.5, share: 0.15 },
  { zh: '医院', en: 'Hospital', demand: 1.8, share: 0.06 },
  { zh: '地铁站', en: 'Metro Station', demand: 1.6, share: 0.07 },
  { zh: '酒店', en: 'Hotel', demand: 1.0, share: 0.08 },
  { zh: '学校', en: 'School', demand: 0.9, share: 0.06 },
  { zh: '公园', en: 'Park', demand: 0.8, share: 0.05 },
  { zh: '市场', en: 'Market', demand: 1.3, share: 0.03 },
];

// Tenants as in a real city: the city's parking company runs every on-street segment (and no
// garage); garages are split among private operators, one of them a big chain (a third of the
// garages: 300+ lots and ~75k bays with the zhengzhou preset), which `npm run bench:console` signs in as.
const OPERATORS: City['operators'] = [
  { id: 'op-zzpark', name: '郑州市城市停车服务有限公司 Zhengzhou City Parking Co.' },
  { id: 'op-private', name: '中原商业停车管理 Zhongyuan Commercial Parking' },
  { id: 'op-metro', name: '郑州地铁物业停车 Zhengzhou Metro Property Parking' },
  { id: 'op-estate', name: '绿城物业停车 Greentown Property Parking' },
  { id: 'op-xinyuan', name: '鑫苑智慧停车 Xinyuan Smart Parking' },
];
/** The street-parking company: every on-street segment is its. */
export const STREET_OPERATOR = 'op-zzpark';
/** The big garage chain (≥ 200 lots and ≥ 50k bays with the zhengzhou preset). */
export const BIG_OPERATOR = 'op-private';

const METERS_PER_DEG_LAT = 111_320;
const metersPerDegLng = (lat: number) => 111_320 * Math.cos((lat * Math.PI) / 180);
const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
const pad = (n: number, w: number) => String(n).padStart(w, '0');

type Rng = () => number;
const between = (rnd: Rng, lo: number, hi: number) => lo + (hi - lo) * rnd();
const int = (rnd: Rng, lo: number, hi: number) => Math.floor(between(rnd, lo, hi + 1));
/** Standard normal (Box–Muller). */
function normal(rnd: Rng): number {
  const u = 1 - rnd();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
}
function pickWeighted<T>(items: readonly T[], weight: (t: T) => number, rnd: Rng): T {
  let total = 0;
  for (const t of items) total += weight(t);
  let r = rnd() * total;
  for (const t of items) if ((r -= weight(t)) < 0) return t;
  return items[items.length - 1];
}

class OptionError extends Error {}

/** What generateCity accepts for each count and the seed, [min, max] (`npm run city` checks its flags against them). */
export const CITY_LIMITS = {
  garages: [0, 20_000], garageBays: [0, 5_000_000], streetBays: [0, 1_000_000], drivers: [0, 20_000_000],
  gatewayChildren: [1, 100_000], seed: [0, 0xffff_ffff],
} as const satisfies Record<string, readonly [number, number]>;

function checkCount(name: keyof typeof CITY_LIMITS, v: number | undefined): void {
  const [min, max] = CITY_LIMITS[name];
  if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) {
    throw new OptionError(`${name} must be a whole number from ${min} to ${max.toLocaleString('en')}, got ${v}`);
  }
}

/** Generate a city; throws OptionError (a message to print) for impossible options. */
export function generateCity(opts: GenerateCityOptions = {}): GeneratedCity {
  const preset = opts.preset ?? 'small';
  if (!CITY_PRESETS.includes(preset)) throw new OptionError(`unknown preset "${preset}"; use one of ${CITY_PRESETS.join(', ')}`);
  checkCount('garages', opts.garages);
  checkCount('garageBays', opts.garageBays);
  checkCount('streetBays', opts.streetBays);
  checkCount('drivers', opts.drivers);
  checkCount('gatewayChildren', opts.gatewayChildren);
  const seed = opts.seed ?? DEFAULT_SEED;
  checkCount('seed', seed);

  if (preset === 'demo' && opts.garages === undefined && opts.garageBays === undefined && opts.streetBays === undefined) {
    // The demo district exactly as `npm start` seeds it (same seed → same lots, bays, devices).
    const demo = generateDemoCity(seed);
    const city: GeneratedCity = {
      preset, seed, operators: demo.operators,
      lots: demo.lots.map((l) => ({ ...l, tariffId: l.kind === 'street' ? STREET_TARIFF : GARAGE_TARIFF })),
      bays: demo.bays, devices: demo.devices,
      drivers: driverPopulation(opts.drivers ?? DEMO_DRIVERS, seed),
    };
    if (opts.gatewayChildren) city.devices = withGateways(city.devices, opts.gatewayChildren);
    return city;
  }
  const spec = PRESETS[preset === 'demo' ? 'small' : preset];
  const garages = opts.garages ?? spec.garages;
  const garageBays = opts.garageBays ?? (opts.garages === undefined ? spec.garageBays : Math.round(garages * REFERENCE_MEAN_GARAGE));
  if (garageBays < garages) throw new OptionError(`${garageBays} garage bays cannot fill ${garages} garages (at least one bay each)`);
  if (garages === 0 && garageBays > 0) throw new OptionError(`${garageBays} garage bays need at least one garage`);
  const streetBays = opts.streetBays ?? spec.streetBays;

  const rnd = seededRandom(seed);
  const city: GeneratedCity = { preset, seed, operators: OPERATORS, lots: [], bays: [], devices: [], drivers: driverPopulation(opts.drivers ?? spec.drivers, seed) };

  // Assign garages and street segments to districts, then build district by district so lot
  // numbers count up within each district (ZZ-JS-0001, …) as in the demo.
  const capacities = garageCapacities(garages, garageBays, rnd);
  const segments = streetSegments(streetBays, rnd);
  const garagesOf = new Map<string, number[]>(CITY_DISTRICTS.map((d) => [d.code, []]));
  const segmentsOf = new Map<string, number[]>(CITY_DISTRICTS.map((d) => [d.code, []]));
  for (const c of capacities) garagesOf.get(pickWeighted(CITY_DISTRICTS, (d) => d.weight, rnd).code)!.push(c);
  for (const c of segments) segmentsOf.get(pickWeighted(CITY_DISTRICTS, (d) => d.weight, rnd).code)!.push(c);

  for (const d of CITY_DISTRICTS) {
    let n = 0;
    for (const capacity of garagesOf.get(d.code)!) addGarage(city, d, ++n, capacity, rnd);
    for (const capacity of segmentsOf.get(d.code)!) addStreet(city, d, ++n, capacity, rnd);
  }
  if (opts.gatewayChildren) city.devices = withGateways(city.devices, opts.gatewayChildren);
  return city;
}

/**
 * Garage capacities: log-normal (median ~170, mean ~225 as in the reference city: many 50–300, a tail of 500–2,000 at malls, stations
 * and hospitals), then rescaled so they add up to `total` exactly (largest remainder rounding).
 */
export function garageCapacities(count: number, total: number, rnd: Rng): number[] {
  if (count === 0) return [];
  const raw = Array.from({ length: count }, () => Math.min(2_000, Math.max(30, Math.exp(Math.log(170) + 0.75 * normal(rnd)))));
  const sum = raw.reduce((a, b) => a + b, 0);
  // Every garage keeps at least one bay: scale what is above 1.
  const scaled = raw.map((r) => 1 + ((r - 1) * (total - count)) / (sum - count));
  const caps = scaled.map(Math.floor);
  let missing = total - caps.reduce((a, b) => a + b, 0);
  const byRemainder = scaled.map((s, i) => [s - Math.floor(s), i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; missing > 0; k = (k + 1) % count, missing--) caps[byRemainder[k][1]] += 1;
  return caps;
}

/** On-street segment sizes of 8–40 bays adding up to `total` exactly (a last short remainder is allowed only when total < 8). */
export function streetSegments(total: number, rnd: Rng): number[] {
  const out: number[] = [];
  let left = total;
  while (left > 0) {
    // Never leave 1–7 bays over: they could not form a segment.
    const c = left <= 40 ? left : Math.min(int(rnd, 8, 40), left - 8);
    out.push(c);
    left -= c;
  }
  return out;
}

/** A point near a district core (denser close in), kept inside the extent less a margin. */
function placeNear(d: CityDistrict, rnd: Rng): { lat: number; lng: number } {
  const e = ZHENGZHOU_EXTENT;
  for (;;) {
    // Two rings: the commercial core (~1.5 km) and the district around it (~4 km).
    const spread = rnd() < 0.6 ? 0.014 : 0.035;
    const lat = d.lat + normal(rnd) * spread;
    const lng = d.lng + normal(rnd) * spread * 1.2;
    if (lat > e.minLat + EDGE_MARGIN && lat < e.maxLat - EDGE_MARGIN && lng > e.minLng + EDGE_MARGIN && lng < e.maxLng - EDGE_MARGIN) return { lat, lng };
  }
}

function gateLanes(capacity: number): number {
  // One entry/exit lane per ~300 bays, as garages are built: 1 lane below 150, at most 4.
  return capacity < 150 ? 1 : capacity < 500 ? 2 : capacity < 1_000 ? 3 : 4;
}

function addGarage(city: GeneratedCity, d: CityDistrict, n: number, capacity: number, rnd: Rng): void {
  const id = `ZZ-${d.code}-${pad(n, 4)}`;
  const { lat: pLat, lng: pLng } = placeNear(d, rnd);
  const lat = round6(pLat);
  const lng = round6(pLng);
  let name: string;
  let nameEn: string;
  let demand: number;
  if (n <= d.garages.length) {
    [name, nameEn, demand] = d.garages[n - 1];
  } else {
    const kind = pickWeighted(GARAGE_KINDS, (k) => k.share, rnd);
    const [streetZh, streetEn] = d.streets[Math.floor(rnd() * d.streets.length)];
    name = `${streetZh}${kind.zh}停车场（${n}号）`;
    nameEn = `${streetEn} ${kind.en} Garage No. ${n}`;
    demand = round6(kind.demand * between(rnd, 0.9, 1.1));
  }
  // The same draws as before operators were split this way, so lots, bays and devices did not move.
  const operatorId = capacity >= 500 && rnd() < 0.3 ? 'op-metro' : n % 3 === 0 ? 'op-estate' : n % 3 === 1 ? BIG_OPERATOR : 'op-xinyuan';
  city.lots.push({ id, operatorId, name, nameEn, kind: 'garage', district: d.name, address: `${d.nameZh}${name.replace(/停车场.*$/, '')}`,
    lat, lng, capacity, timeZone: 'Asia/Shanghai', path: null, demand, tariffId: GARAGE_TARIFF });
  // Bays on a square-ish grid centred on the entrance (≈2.6 m × 6 m bays; big garages are multi-storey,
  // flattened here), so a 2,000-bay garage spans ~120 m × 270 m and stays well inside the extent.
  const cols = Math.max(1, Math.ceil(Math.sqrt(capacity)));
  const rows = Math.ceil(capacity / cols);
  const mLng = metersPerDegLng(lat);
  const accessible = Math.max(2, Math.round(capacity * 0.02));
  const ev = Math.round(capacity * 0.1);
  for (let b = 1; b <= capacity; b++) {
    const row = Math.floor((b - 1) / cols) - rows / 2;
    const col = ((b - 1) % cols) - cols / 2;
    const code = `${id}-${pad(b, 2)}`;
    city.bays.push({ code, lotId: id, lat: round6(lat + (row * 6) / METERS_PER_DEG_LAT), lng: round6(lng + (col * 2.6) / mLng),
      accessible: b <= accessible, evCharging: b > capacity - ev });
    city.devices.push({ id: `sen-${code}`, kind: 'bay-sensor', lotId: id, bayCode: code });
  }
  for (let l = 1; l <= gateLanes(capacity); l++) city.devices.push({ id: `gate-${id}-${l}`, kind: 'gate-camera', lotId: id, lane: `lane-${l}` });
}

function addStreet(city: GeneratedCity, d: CityDistrict, n: number, capacity: number, rnd: Rng): void {
  const id = `ZZ-${d.code}-${pad(n, 4)}`;
  const start = placeNear(d, rnd);
  const bearing = rnd() < 0.5 ? 0 : Math.PI / 2; // Zhengzhou's centre is a N–S/E–W grid
  const lengthM = capacity * 6 + 20; // ≤ 260 m: inside the edge margin
  const dLat = (Math.cos(bearing) * lengthM) / METERS_PER_DEG_LAT;
  const dLng = (Math.sin(bearing) * lengthM) / metersPerDegLng(start.lat);
  const path: Array<[number, number]> = [[round6(start.lng), round6(start.lat)], [round6(start.lng + dLng), round6(start.lat + dLat)]];
  const [zh, en] = d.streets[Math.floor(rnd() * d.streets.length)];
  city.lots.push({ id, operatorId: STREET_OPERATOR, name: `${zh}（${n}号段）路侧停车`, nameEn: `${en} segment ${n} on-street`, kind: 'street',
    district: d.name, address: `${d.nameZh}${zh}`, lat: round6(start.lat + dLat / 2), lng: round6(start.lng + dLng / 2), capacity,
    timeZone: 'Asia/Shanghai', path, demand: round6(between(rnd, 0.8, 1.4)), tariffId: STREET_TARIFF });
  const first = city.bays.length;
  for (let b = 1; b <= capacity; b++) {
    const f = (b - 0.5) / capacity;
    const code = `${id}-${pad(b, 2)}`;
    city.bays.push({ code, lotId: id, lat: round6(start.lat + dLat * f), lng: round6(start.lng + dLng * f), accessible: b === 1, evCharging: false });
    city.devices.push({ id: `sen-${code}`, kind: 'bay-sensor', lotId: id, bayCode: code });
  }
  // One high-mount camera per 4–8 bays along the kerb; the last one takes what is left (≥ 4).
  let cam = 0;
  for (let i = 0; i < capacity; ) {
    let take = int(rnd, 4, 8);
    const left = capacity - i;
    if (left - take < 4) take = left <= 8 ? left : left - 4;
    cam += 1;
    city.devices.push({ id: `cam-${id}-${cam}`, kind: 'bay-camera', lotId: id, bays: city.bays.slice(first + i, first + i + take).map((b) => b.code) });
    i += take;
  }
}

/**
 * Bay sensors (LoRaWAN/NB-IoT in the field) grouped under gateways of `children` each, in bay
 * order, so a gateway serves neighbouring bays. Cameras keep their own (IP) connections.
 * Gateways come first: a child's gateway must exist before it.
 */
function withGateways(devices: GeneratedDevice[], children: number): GeneratedDevice[] {
  const gateways: GeneratedDevice[] = [];
  const out: GeneratedDevice[] = [];
  let inCurrent = children;
  for (const d of devices) {
    if (d.kind !== 'bay-sensor') { out.push(d); continue; }
    if (inCurrent === children) {
      gateways.push({ id: `gw-${pad(gateways.length + 1, 5)}`, kind: 'gateway', lotId: null });
      inCurrent = 0;
    }
    inCurrent += 1;
    out.push({ ...d, gatewayId: gateways[gateways.length - 1].id });
  }
  return [...gateways, ...out];
}

// ---------------------------------------------------------------------------------------------
// Drivers

// Mobile prefixes of the three Chinese carriers.
const PHONE_PREFIXES = ['130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '155', '156', '157', '158', '159', '166', '176', '177', '180', '181', '182', '183', '186', '187', '188', '189', '198', '199'];
const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰文辉鑫宇浩然子涵梓轩一诺欣怡雨萱博文俊杰思远佳琪晨阳';
const PAY_LABELS = ['Alipay', 'WeChat Pay', 'UnionPay'];

/**
 * A phone number unique to driver n: the carrier prefix cycles with n, the 8-digit rest is an
 * affine bijection of n / prefixes mod 10^8 (48271 is coprime to 10^8), offset by the seed.
 */
function phoneOf(n: number, seed: number): string {
  const p = PHONE_PREFIXES.length;
  const rest = (Math.floor(n / p) * 48_271 + (seed % 100_000_000)) % 100_000_000;
  return PHONE_PREFIXES[n % p] + pad(rest, 8);
}

/**
 * The driver population as a re-iterable stream: each pass yields the same drivers in the same
 * order. Plates come from seed/plates.ts and are kept unique with a set that lives only for
 * one pass (~1.4M short strings for the reference city).
 */
export function driverPopulation(count: number, seed: number): DriverPopulation {
  return {
    count,
    *[Symbol.iterator]() {
      const rnd = seededRandom(seed ^ 0x5eed_d21e);
      const taken = new Set<string>();
      const uniquePlate = () => {
        for (;;) {
          const { plate } = randomPlate(rnd);
          if (!taken.has(plate)) { taken.add(plate); return plate; }
        }
      };
      for (let n = 0; n < count; n++) {
        const plates = [uniquePlate()];
        if (rnd() < SECOND_PLATE_SHARE) plates.push(uniquePlate());
        const contactless = rnd() < CONTACTLESS_SHARE;
        const name = SURNAMES[Math.floor(rnd() * SURNAMES.length)] + GIVEN[Math.floor(rnd() * GIVEN.length)] + (rnd() < 0.6 ? GIVEN[Math.floor(rnd() * GIVEN.length)] : '');
        const phone = phoneOf(n, seed);
        const payment = contactless ? { token: `tok_ok_${n}`, label: `${PAY_LABELS[n % PAY_LABELS.length]} ****${phone.slice(-4)}` } : null;
        yield { n, phone, name, plates, contactless, payment };
      }
    },
  };
}

/** Counts for printing (dry run, totals). */
export function cityCounts(city: GeneratedCity) {
  let garages = 0, streets = 0, garageBays = 0, streetBays = 0;
  for (const l of city.lots) {
    if (l.kind === 'garage') { garages += 1; garageBays += l.capacity; } else { streets += 1; streetBays += l.capacity; }
  }
  const devices: Record<string, number> = {};
  for (const d of city.devices) devices[d.kind] = (devices[d.kind] ?? 0) + 1;
  return { lots: city.lots.length, garages, streetSegments: streets, bays: city.bays.length, garageBays, streetBays, devices, deviceTotal: city.devices.length, drivers: city.drivers.count };
}

export { OptionError as CityOptionError };
