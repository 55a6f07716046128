// UI strings in Chinese (default) and English. `en` is typed against `zh`, so a missing key fails tsc.
import { createContext, useContext } from 'react';
import type { Lot } from './types.ts';

export type Lang = 'zh' | 'en';

const zh = {
  appName: 'OneLot 一城一场',
  tagline: '郑州实时停车',
  streamOpen: '实时',
  streamClosed: '已断开',
  streamOpenTitle: '已连接实时数据流',
  streamClosedTitle: '实时数据流已断开，正在重连…',
  langToggleTitle: 'Switch to English',
  searchPlaceholder: '搜索停车场或街道',
  searchLabel: '搜索停车场',
  searching: '搜索中…',
  noResults: '没有找到匹配的停车场',
  clearSearch: '清除',
  guideMe: '导航找车位',
  guideTitle: '导航找车位',
  guideHint: '点击地图选择目的地，或使用当前位置。',
  useMyLocation: '使用我的位置',
  locating: '定位中…',
  geoUnsupported: '此浏览器不支持定位',
  geoFailed: '无法获取位置：{msg}',
  destination: '目的地',
  recommended: '推荐停车场',
  finding: '正在查找附近车位…',
  noOptions: '附近暂无推荐的停车场',
  walk: '步行 {d}',
  straight: '直线 {d}',
  openAmap: '高德地图',
  openBaidu: '百度地图',
  openOther: '其他地图',
  showDetails: '详情',
  best: '推荐',
  close: '关闭',
  back: '返回',
  kind_garage: '停车场',
  kind_street: '路边泊位',
  free: '空闲',
  occupied: '占用',
  unknown: '未知',
  capacity: '共 {n} 个车位',
  updated: '更新于 {t}',
  neverUpdated: '暂无实时数据',
  bays: '车位明细',
  noBays: '暂无车位明细',
  bayFree: '空闲',
  bayOccupied: '占用',
  bayUnknown: '未知',
  since: '自 {t}',
  accessible: '无障碍车位',
  evCharging: '充电车位',
  loading: '加载中…',
  loadFailed: '加载失败：{msg}',
  retry: '重试',
  legendHigh: '充足',
  legendMid: '较少',
  legendLow: '紧张或已满',
  legendNone: '无数据',
  cityFree: '全城空闲车位',
  lotsCount: '{n} 个停车点',
  homeHint: '点击地图上的停车点查看详情，或使用“导航找车位”。',
  showPanel: '展开面板',
  hidePanel: '收起面板',
  markerTitle: '{name}：空闲 {free}',
  justNow: '刚刚',
};

type Strings = typeof zh;
export type StringKey = keyof Strings;

const en: Record<StringKey, string> = {
  appName: 'OneLot 一城一场',
  tagline: 'Zhengzhou live parking',
  streamOpen: 'Live',
  streamClosed: 'Offline',
  streamOpenTitle: 'Connected to the live stream',
  streamClosedTitle: 'Live stream disconnected, reconnecting…',
  langToggleTitle: '切换到中文',
  searchPlaceholder: 'Search a car park or street',
  searchLabel: 'Search car parks',
  searching: 'Searching…',
  noResults: 'No matching car parks',
  clearSearch: 'Clear',
  guideMe: 'Guide me',
  guideTitle: 'Guide me to a space',
  guideHint: 'Click the map to pick your destination, or use your location.',
  useMyLocation: 'Use my location',
  locating: 'Locating…',
  geoUnsupported: 'This browser cannot share your location',
  geoFailed: 'Could not get your location: {msg}',
  destination: 'Destination',
  recommended: 'Recommended car parks',
  finding: 'Finding spaces nearby…',
  noOptions: 'No recommended car parks nearby',
  walk: '{d} walk',
  straight: '{d} away',
  openAmap: 'Amap',
  openBaidu: 'Baidu Maps',
  openOther: 'Other app',
  showDetails: 'Details',
  best: 'Best',
  close: 'Close',
  back: 'Back',
  kind_garage: 'Car park',
  kind_street: 'On-street',
  free: 'free',
  occupied: 'occupied',
  unknown: 'unknown',
  capacity: 'of {n} spaces',
  updated: 'Updated {t}',
  neverUpdated: 'No live data yet',
  bays: 'Bays',
  noBays: 'No bay details',
  bayFree: 'Free',
  bayOccupied: 'Occupied',
  bayUnknown: 'Unknown',
  since: 'since {t}',
  accessible: 'Accessible bay',
  evCharging: 'EV charging',
  loading: 'Loading…',
  loadFailed: 'Failed to load: {msg}',
  retry: 'Retry',
  legendHigh: 'Plenty',
  legendMid: 'Some',
  legendLow: 'Few or full',
  legendNone: 'No data',
  cityFree: 'Free spaces citywide',
  lotsCount: '{n} car parks and streets',
  homeHint: 'Select a car park on the map for details, or use “Guide me”.',
  showPanel: 'Show panel',
  hidePanel: 'Hide panel',
  markerTitle: '{name}: {free} free',
  justNow: 'just now',
};

const STRINGS: Record<Lang, Record<StringKey, string>> = { zh, en };

export type Translate = (key: StringKey, vars?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const table = STRINGS[lang];
  return (key, vars) => {
    const s = table[key];
    return vars ? s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : s;
  };
}

/** Lot name in the chosen language; falls back to the Chinese name when no English one exists. */
export function lotName(lot: Pick<Lot, 'name' | 'nameEn'>, lang: Lang): string {
  return lang === 'en' ? lot.nameEn || lot.name : lot.name;
}

// Zhengzhou districts as the API spells them (pinyin), with their Chinese names.
const DISTRICT_ZH: Record<string, string> = {
  Jinshui: '金水区',
  Zhongyuan: '中原区',
  Erqi: '二七区',
  Guancheng: '管城回族区',
  Huiji: '惠济区',
  Shangjie: '上街区',
  Zhengdong: '郑东新区',
  Gaoxin: '高新区',
  Jingkai: '经开区',
  Hangkonggang: '航空港区',
};

export function districtName(district: string, lang: Lang): string {
  return lang === 'zh' ? (DISTRICT_ZH[district] ?? district) : district;
}

export const LANG_STORAGE_KEY = 'onelot.lang';

export function storedLang(): Lang {
  try {
    const v = localStorage.getItem(LANG_STORAGE_KEY);
    return v === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh'; // storage blocked (private mode, sandboxed frame)
  }
}

export function storeLang(lang: Lang): void {
  try {
    localStorage.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // Not remembered, still switched.
  }
}

export interface I18n {
  lang: Lang;
  t: Translate;
  setLang: (lang: Lang) => void;
}

export const I18nContext = createContext<I18n | null>(null);

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n() must be used inside <I18nProvider>');
  return ctx;
}
