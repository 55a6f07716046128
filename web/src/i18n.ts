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
  priceFor2h: '停2小时约 {price}',
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
  navLabel: '页面',
  navMap: '地图',
  navLookup: '查缴费',
  navAccount: '我的',
  plate: '车牌号',
  plateHintExample: '例：豫A12345，新能源 豫AD12345',
  plateHintOk: '将按 {plate} 查询',
  plateHintOkEv: '将按 {plate}（新能源）查询',
  plateHintProvince: '请以省份简称开头，如“豫”',
  plateHintShort: '位数不够：普通车牌 7 位，新能源 8 位',
  plateHintLong: '位数太多：普通车牌 7 位，新能源 8 位',
  plateHintChars: '格式不对：第二位是字母（不含 I、O），新能源序号以 D 或 F 开头或结尾',
  lookupTitle: '按车牌查缴费',
  lookupHint: '无需注册：输入车牌，查看未缴和逾期的停车费，并在线缴纳。',
  lookup: '查询',
  nothingOwed: '没有待缴费用',
  totalOwed: '{n} 笔待缴，共 {amount}',
  lineItems: '收费明细（{n} 项）',
  minutes: '{n} 分钟',
  dueAt: '缴费期限 {t}',
  statusOutstanding: '待缴',
  statusPaying: '支付中',
  statusPaid: '已支付',
  statusVoid: '已作废',
  statusRefunded: '已退款',
  statusOverdue: '已逾期',
  pay: '缴费',
  payAgain: '重新支付',
  payPending: '支付处理中…',
  payPaid: '支付成功',
  payDeclined: '支付被拒绝（{reason}），请换一种方式再试',
  payTimeout: '支付结果尚未返回，请稍后刷新查看',
  receipt: '下载收据',
  simCheckout: '模拟收银台',
  simCheckoutHint: '演示环境：账号只交给支付机构，OneLot 不保存。',
  checkoutPay: '支付 {amount}',
  checkoutHint: '模拟支付：账号以 decline 开头会被拒绝，用于体验支付失败。',
  methodKind: '支付方式',
  methodAccount: '账号 / 卡号',
  kindAlipay: '支付宝',
  kindWechat: '微信支付',
  kindCard: '银行卡',
  confirmPay: '确认支付',
  cancel: '取消',
  authTitle: '登录 OneLot',
  authHint: '用手机号登录或注册，管理车牌、无感支付和停车账单。',
  phone: '手机号',
  password: '密码',
  passwordHint: '至少 8 位',
  login: '登录',
  register: '注册新账户',
  logout: '退出登录',
  myAccount: '我的账户',
  toPay: '待缴账单',
  payNeedsMethod: '请先在下方添加支付方式，再缴费。',
  currentStays: '正在停车',
  noCurrentStays: '当前没有在停的车辆',
  enteredAt: '{t} 入场',
  runningFeeNote: '当前费用，每 15 秒更新',
  feeUnknown: '暂无计费',
  pastStays: '停车记录',
  noPastStays: '暂无停车记录',
  noInvoiceYet: '账单生成中',
  myPlates: '我的车牌',
  noPlates: '还没有添加车牌',
  addPlate: '添加车牌',
  add: '添加',
  remove: '删除',
  contactless: '无感支付',
  contactlessHelp: '开启无感支付后，离场时自动用默认支付方式扣费，无需停车缴费。',
  contactlessNeedsMethod: '无感支付需要先添加支付方式（见下方）：离场时自动用默认支付方式扣费。',
  paymentMethods: '支付方式',
  noMethods: '还没有支付方式',
  defaultMethod: '默认',
  addMethod: '添加',
  declineHint: '模拟支付机构：账号以 decline 开头的支付方式会被拒绝扣款。',
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
  priceFor2h: '≈ {price} for 2 h',
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
  navLabel: 'Pages',
  navMap: 'Map',
  navLookup: 'Pay by plate',
  navAccount: 'My account',
  plate: 'Plate number',
  plateHintExample: 'e.g. 豫A12345, new-energy 豫AD12345',
  plateHintOk: 'Will look up {plate}',
  plateHintOkEv: 'Will look up {plate} (new-energy)',
  plateHintProvince: 'Start with the province character, e.g. 豫',
  plateHintShort: 'Too short: 7 characters, or 8 for new-energy plates',
  plateHintLong: 'Too long: 7 characters, or 8 for new-energy plates',
  plateHintChars: 'Not a plate: the 2nd character is a letter (no I or O); new-energy serials start or end with D or F',
  lookupTitle: 'Pay by plate',
  lookupHint: 'No account needed: enter a plate to see unpaid and overdue parking, and pay online.',
  lookup: 'Look up',
  nothingOwed: 'Nothing to pay',
  totalOwed: '{n} unpaid, {amount} in all',
  lineItems: 'Fee lines ({n})',
  minutes: '{n} min',
  dueAt: 'Due {t}',
  statusOutstanding: 'Unpaid',
  statusPaying: 'Paying',
  statusPaid: 'Paid',
  statusVoid: 'Void',
  statusRefunded: 'Refunded',
  statusOverdue: 'Overdue',
  pay: 'Pay',
  payAgain: 'Pay again',
  payPending: 'Payment processing…',
  payPaid: 'Paid',
  payDeclined: 'Payment declined ({reason}); try another method',
  payTimeout: 'No answer from the payment provider yet; check again later',
  receipt: 'Receipt',
  simCheckout: 'Simulated checkout',
  simCheckoutHint: 'Demo: the account goes to the payment provider only; OneLot never stores it.',
  checkoutPay: 'Pay {amount}',
  checkoutHint: 'Simulated payment: an account starting with “decline” is declined, to try a failure.',
  methodKind: 'Method',
  methodAccount: 'Account / card number',
  kindAlipay: 'Alipay',
  kindWechat: 'WeChat Pay',
  kindCard: 'Bank card',
  confirmPay: 'Pay now',
  cancel: 'Cancel',
  authTitle: 'Log in to OneLot',
  authHint: 'Log in or register with your mobile number to manage plates, contactless payment and parking bills.',
  phone: 'Mobile number',
  password: 'Password',
  passwordHint: 'At least 8 characters',
  login: 'Log in',
  register: 'Create account',
  logout: 'Log out',
  myAccount: 'My account',
  toPay: 'To pay',
  payNeedsMethod: 'Add a payment method below to pay.',
  currentStays: 'Parked now',
  noCurrentStays: 'None of your cars is parked right now',
  enteredAt: 'entered {t}',
  runningFeeNote: 'fee so far, updated every 15 s',
  feeUnknown: 'No tariff',
  pastStays: 'Past stays',
  noPastStays: 'No stays yet',
  noInvoiceYet: 'Bill pending',
  myPlates: 'My plates',
  noPlates: 'No plates yet',
  addPlate: 'Add a plate',
  add: 'Add',
  remove: 'Remove',
  contactless: 'Contactless',
  contactlessHelp: 'With contactless on, leaving charges your default payment method automatically: no stopping to pay.',
  contactlessNeedsMethod: 'Contactless payment needs a payment method first (below): leaving then charges it automatically.',
  paymentMethods: 'Payment methods',
  noMethods: 'No payment methods yet',
  defaultMethod: 'Default',
  addMethod: 'Add',
  declineHint: 'Simulated provider: a method whose account starts with “decline” is declined when charged.',
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
