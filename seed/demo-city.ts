// A deterministic Zhengzhou demo district: ~20 garages and ~40 street segments (~3,000 bays) around
// five real central districts, with the device fleet that watches them. Pure: same seed, same city.
import type { DeviceKind } from '../core/protocol.ts';
import { seededRandom } from '../core/random.ts';

export interface CityLot {
  id: string;
  operatorId: string;
  name: string;
  nameEn: string;
  kind: 'garage' | 'street';
  district: string;
  address: string;
  lat: number;
  lng: number;
  capacity: number;
  timeZone: string;
  /** Street segment polyline [[lng, lat], …] (WGS-84); null for garages. */
  path: Array<[number, number]> | null;
  /** Relative demand weight (shopping, hospital, station areas are busier). */
  demand: number;
}
export interface CityBay { code: string; lotId: string; lat: number; lng: number; accessible: boolean; evCharging: boolean }
export interface CityDevice { id: string; kind: DeviceKind; lotId: string; bayCode?: string; lane?: string; bays?: string[] }
export interface City {
  operators: Array<{ id: string; name: string }>;
  lots: CityLot[];
  bays: CityBay[];
  devices: CityDevice[];
}

export { seededRandom };

interface District {
  code: string; name: string; nameZh: string; lat: number; lng: number;
  streets: Array<[string, string]>;
  garages: Array<[string, string, number]>; // zh, en, demand
}

// Centres are approximate WGS-84 positions of each district's commercial core.
export const DISTRICTS: District[] = [
  { code: 'JS', name: 'Jinshui', nameZh: '金水区', lat: 34.7800, lng: 113.6650,
    streets: [['花园路', 'Huayuan Road'], ['经三路', 'Jingsan Road'], ['农业路', 'Nongye Road'], ['纬五路', 'Weiwu Road'], ['文化路', 'Wenhua Road'], ['丰产路', 'Fengchan Road'], ['东风路', 'Dongfeng Road'], ['金水路', 'Jinshui Road']],
    garages: [['丹尼斯大卫城停车场', 'David City Garage', 1.6], ['国贸360停车场', 'Guomao 360 Garage', 1.4], ['河南省人民医院停车场', 'Henan Provincial People\'s Hospital Garage', 1.8], ['紫荆山公园停车场', 'Zijingshan Park Garage', 1.0]] },
  { code: 'EQ', name: 'Erqi', nameZh: '二七区', lat: 34.7250, lng: 113.6400,
    streets: [['大学路', 'Daxue Road'], ['解放路', 'Jiefang Road'], ['德化街', 'Dehua Street'], ['京广路', 'Jingguang Road'], ['陇海路', 'Longhai Road'], ['航海路', 'Hanghai Road'], ['民主路', 'Minzhu Road'], ['福寿街', 'Fushou Street']],
    garages: [['二七万达广场停车场', 'Erqi Wanda Plaza Garage', 1.5], ['郑州火车站西广场停车场', 'Zhengzhou Railway Station West Garage', 1.7], ['郑大一附院停车场', 'First Affiliated Hospital of ZZU Garage', 1.9], ['大商新玛特停车场', 'Dashang New Mart Garage', 1.2]] },
  { code: 'ZY', name: 'Zhongyuan', nameZh: '中原区', lat: 34.7480, lng: 113.6130,
    streets: [['建设路', 'Jianshe Road'], ['中原路', 'Zhongyuan Road'], ['桐柏路', 'Tongbai Road'], ['伏牛路', 'Funiu Road'], ['嵩山路', 'Songshan Road'], ['工人路', 'Gongren Road'], ['秦岭路', 'Qinling Road'], ['棉纺路', 'Mianfang Road']],
    garages: [['正弘城停车场', 'Zhenghong City Garage', 1.3], ['碧沙岗公园停车场', 'Bishagang Park Garage', 0.9], ['郑州市中心医院停车场', 'Zhengzhou Central Hospital Garage', 1.7], ['万达广场中原店停车场', 'Wanda Plaza Zhongyuan Garage', 1.2]] },
  { code: 'GC', name: 'Guancheng', nameZh: '管城回族区', lat: 34.7530, lng: 113.6800,
    streets: [['紫荆山路', 'Zijingshan Road'], ['城东路', 'Chengdong Road'], ['商城路', 'Shangcheng Road'], ['东大街', 'Dongda Street'], ['顺河路', 'Shunhe Road'], ['南关街', 'Nanguan Street'], ['管城街', 'Guancheng Street'], ['北顺城街', 'Beishuncheng Street']],
    garages: [['商代遗址停车场', 'Shang City Ruins Garage', 0.8], ['郑州东站（南）停车场', 'Zhengzhou East Station South Garage', 1.6], ['航海广场停车场', 'Hanghai Square Garage', 1.1], ['紫荆山百货停车场', 'Zijingshan Department Store Garage', 1.2]] },
  { code: 'ZD', name: 'Zhengdong', nameZh: '郑东新区', lat: 34.7700, lng: 113.7280,
    streets: [['商务内环路', 'CBD Inner Ring Road'], ['商务外环路', 'CBD Outer Ring Road'], ['金水东路', 'Jinshui East Road'], ['众意路', 'Zhongyi Road'], ['农业东路', 'Nongye East Road'], ['心怡路', 'Xinyi Road'], ['平安大道', 'Ping\'an Avenue'], ['龙湖外环路', 'Longhu Outer Ring Road']],
    garages: [['千玺广场停车场', 'Qianxi Plaza Garage', 1.4], ['郑州东站停车场', 'Zhengzhou East Station Garage', 1.8], ['国际会展中心停车场', 'International Convention Center Garage', 1.0], ['河南艺术中心停车场', 'Henan Art Center Garage', 0.9]] },
];

const METERS_PER_DEG_LAT = 111_320;
const metersPerDegLng = (lat: number) => 111_320 * Math.cos((lat * Math.PI) / 180);
const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
const pad = (n: number, w: number) => String(n).padStart(w, '0');

export function generateDemoCity(seed = 20261123): City {
  const rnd = seededRandom(seed);
  const between = (lo: number, hi: number) => lo + (hi - lo) * rnd();
  const int = (lo: number, hi: number) => Math.floor(between(lo, hi + 1));
  const city: City = {
    operators: [
      { id: 'op-zzpark', name: '郑州市城市停车服务有限公司 Zhengzhou City Parking Co.' },
      { id: 'op-private', name: '中原商业停车管理 Zhongyuan Commercial Parking' },
    ],
    lots: [], bays: [], devices: [],
  };

  for (const d of DISTRICTS) {
    let n = 0;
    for (const [zh, en, demand] of d.garages) {
      n += 1;
      const id = `ZZ-${d.code}-${pad(n, 4)}`;
      const lat = round6(d.lat + between(-0.018, 0.018));
      const lng = round6(d.lng + between(-0.022, 0.022));
      const capacity = int(80, 180);
      city.lots.push({ id, operatorId: n % 2 ? 'op-private' : 'op-zzpark', name: zh, nameEn: en, kind: 'garage', district: d.name,
        address: `${d.nameZh}${zh.replace('停车场', '')}`, lat, lng, capacity, timeZone: 'Asia/Shanghai', path: null, demand });
      for (let b = 1; b <= capacity; b++) {
        // Garage bays in a compact grid around the entrance (≈2.5 m × 5 m bays).
        const row = Math.floor((b - 1) / 20);
        const col = (b - 1) % 20;
        city.bays.push({ code: `${id}-${pad(b, 2)}`, lotId: id,
          lat: round6(lat + (row * 6) / METERS_PER_DEG_LAT), lng: round6(lng + (col * 2.6) / metersPerDegLng(lat)),
          accessible: b <= Math.max(2, Math.round(capacity * 0.02)), evCharging: b > capacity - Math.round(capacity * 0.1) });
        city.devices.push({ id: `sen-${id}-${pad(b, 2)}`, kind: 'bay-sensor', lotId: id, bayCode: `${id}-${pad(b, 2)}` });
      }
      const lanes = capacity > 120 ? 2 : 1;
      for (let l = 1; l <= lanes; l++) city.devices.push({ id: `gate-${id}-${l}`, kind: 'gate-camera', lotId: id, lane: `lane-${l}` });
    }
    for (const [zh, en] of d.streets) {
      n += 1;
      const id = `ZZ-${d.code}-${pad(n, 4)}`;
      // A straight kerb segment 80–220 m long, at a random bearing, near the district core.
      const startLat = d.lat + between(-0.02, 0.02);
      const startLng = d.lng + between(-0.025, 0.025);
      const capacity = int(8, 24);
      const bearing = rnd() < 0.5 ? 0 : Math.PI / 2; // Zhengzhou's centre is a N–S/E–W grid
      const lengthM = capacity * 6 + 20;
      const dLat = (Math.cos(bearing) * lengthM) / METERS_PER_DEG_LAT;
      const dLng = (Math.sin(bearing) * lengthM) / metersPerDegLng(startLat);
      const path: Array<[number, number]> = [[round6(startLng), round6(startLat)], [round6(startLng + dLng), round6(startLat + dLat)]];
      const segName = n % 3 === 0 ? '东段' : n % 3 === 1 ? '西段' : '中段';
      const segEn = n % 3 === 0 ? 'East' : n % 3 === 1 ? 'West' : 'Middle';
      city.lots.push({ id, operatorId: 'op-zzpark', name: `${zh}（${segName}）路侧停车`, nameEn: `${en} (${segEn}) on-street`, kind: 'street',
        district: d.name, address: `${d.nameZh}${zh}`, lat: round6(startLat + dLat / 2), lng: round6(startLng + dLng / 2), capacity,
        timeZone: 'Asia/Shanghai', path, demand: between(0.8, 1.4) });
      const bays: string[] = [];
      for (let b = 1; b <= capacity; b++) {
        const f = (b - 0.5) / capacity;
        const code = `${id}-${pad(b, 2)}`;
        bays.push(code);
        city.bays.push({ code, lotId: id, lat: round6(startLat + dLat * f), lng: round6(startLng + dLng * f), accessible: b === 1, evCharging: false });
        city.devices.push({ id: `sen-${code}`, kind: 'bay-sensor', lotId: id, bayCode: code });
      }
      // One high-mount camera per 4–8 bays along the kerb.
      let cam = 0;
      for (let i = 0; i < bays.length; ) {
        const take = Math.min(int(4, 8), bays.length - i);
        cam += 1;
        city.devices.push({ id: `cam-${id}-${cam}`, kind: 'bay-camera', lotId: id, bays: bays.slice(i, i + take) });
        i += take;
      }
    }
  }
  return city;
}
