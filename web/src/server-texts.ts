// Words for what the server answers as codes (issue 11: no English sentence in the Chinese page):
// exception details (billing/exception-details.ts), API error codes (core/errors.ts), refused
// device messages (core/protocol.ts REJECT_CODES), device kinds and message types, device-alert
// figures, and payment failure codes. Kept apart from i18n.ts because each table follows a
// server contract, not a screen. An unknown code shows as sent, inside <code> where it is drawn.
import { formatLocalTime, LOT_TIME_ZONE } from './format.ts';
import type { Lang } from './i18n.ts';
import type { SessionException } from './types.ts';

type ExceptionDetail = NonNullable<SessionException['detailCoded']>;
type Code = ExceptionDetail['code'];
type ParamsOf<C extends Code> = Extract<ExceptionDetail, { code: C }>['params'];
/** Times in the lot's zone; confidences with two decimals ("—" when the camera gave none). */
interface Fmt { time: (iso: string) => string; conf: (c: number | null) => string }
type Templates = { [C in Code]: (p: ParamsOf<C>, f: Fmt) => string };

const yuan = (fen: number) => `¥${(fen / 100).toFixed(2)}`;

// Why a plate is not certain (billing/plate-evidence.ts PlateRule) and which read is which.
const PLATE_RULE: Record<Lang, Record<string, string>> = {
  zh: { 'reads-disagree': '多次识别结果不一致', 'confusable-in-lot': '场内有易混淆车牌', 'single-read': '仅一次识别且置信度不足', 'no-plate-read': '没有有效的车牌识别' },
  en: { 'reads-disagree': 'the reads disagree', 'confusable-in-lot': 'a confusable plate is in the lot', 'single-read': 'one read only, not confident enough', 'no-plate-read': 'no read is a valid plate' },
};
const ROLE: Record<Lang, Record<string, string>> = {
  zh: { entry: '入场', sighting: '巡检', exit: '出场' },
  en: { entry: 'entry', sighting: 'sighting', exit: 'exit' },
};

const DETAIL: Record<Lang, Templates> = {
  zh: {
    'low-confidence': (p, f) => `车牌 ${p.plate} 识别置信度：入场 ${f.conf(p.entryConfidence)}，出场 ${f.conf(p.exitConfidence)}（本场最低 ${p.minConfidence}）。收费前请核对图像`,
    'unreadable-gate': (p) => `${p.direction === 'in' ? '入场' : '出场'}车牌无法识别：识别结果“${p.read}”不是有效车牌`,
    'unreadable-bay': (p) => `视频检测到泊位 ${p.bay} 有车，但${p.read !== null ? `车牌无法识别（“${p.read}”）` : '未识别到车牌'}；人工核对图像前不计费`,
    'exit-invalid-plate': (p) => `出场识别为 ${p.plate}，不是有效车牌，且与本场任何在场记录都不匹配`,
    'double-entry-open-session': (p, f) => `车牌 ${p.plate} 于 ${f.time(p.enteredAt)} 再次入场，而停车记录 ${p.sessionId === null ? '（新）' : `#${p.sessionId}`}（${f.time(p.openSince)} 入场）尚未结束：可能漏拍出场、套牌或误识别`,
    'exit-ambiguous': (p) => `出场识别为 ${p.plate}，可能对应 ${p.candidates.length} 条在场记录（${p.candidates.join('、')}）：请选出正确的一条`,
    'exit-before-entry': (p, f) => `${p.plate} 的出场时间 ${f.time(p.exitAt)} 早于其在场记录的入场时间 ${f.time(p.entryAt)}：消息乱序或相机时钟有误；该记录仍在场`,
    'exit-no-session': (p, f) => `${p.plate} 于 ${f.time(p.exitAt)} 出场，但本场没有与之匹配的在场记录`,
    'uncertain-plate': (p, f) => `车牌不确定（${PLATE_RULE.zh[p.rule] ?? p.rule}）：识别记录 ${p.reads.map((r) => `${ROLE.zh[r.role] ?? r.role} ${r.read}（${f.conf(r.confidence)}）`).join('、')}`
      + `；候选车牌：${p.candidates.join('、')}${p.confusableInLot.length ? `；场内易混车牌：${p.confusableInLot.join('、')}` : ''}。确认车牌前不向任何人收费，请核对图像`,
    'bay-handover': (p) => `泊位交接：在泊位 ${p.bay} 上报空闲之前已看到 ${p.plate}；上一辆车的离场时间只是上限`,
    'no-tariff': (p, f) => (p.scheduled ? `入场时间 ${f.time(p.entryAt)} 没有生效的资费版本：请安排一个更早生效的版本` : '本场没有资费：请在运营后台安排资费版本'),
    'tariff-error': () => '资费无法为这次停车计费：请核对资费规则',
    overstay: (p, f) => `自 ${f.time(p.openSince)} 在场，超过本场最长停放 ${p.maxStayHours} 小时：请核实车辆是否已未经记录离场`,
    'payment-mismatch': (p) => `支付机构回报状态与金额（${p.reportedAmount}）与账单 #${p.invoiceId} 的扣款 #${p.chargeId}（${yuan(p.amountFen)}）不一致：`
      + (p.held ? '扣款与账单已冻结待审核，未记为已付' : '账单仍为已付，此次回报未被采用'),
  },
  en: {
    'low-confidence': (p, f) => `Plate ${p.plate} read with confidence ${f.conf(p.entryConfidence)} at entry, ${f.conf(p.exitConfidence)} at exit (lot minimum ${p.minConfidence}): check the images before charging`,
    'unreadable-gate': (p) => `The ${p.direction === 'in' ? 'entry' : 'exit'} plate could not be read: "${p.read}" is not a plate`,
    'unreadable-bay': (p) => `The camera saw bay ${p.bay} occupied but ${p.read !== null ? `could not read the plate ("${p.read}")` : 'read no plate'}; not billed until an operator reads the image`,
    'exit-invalid-plate': (p) => `Exit read ${p.plate} is not a valid plate and matches no open session at this lot`,
    'double-entry-open-session': (p, f) => `Plate ${p.plate} entered at ${f.time(p.enteredAt)} while session ${p.sessionId === null ? '(new)' : `#${p.sessionId}`} (entered ${f.time(p.openSince)}) is still open: a missed exit, a cloned plate or a misread`,
    'exit-ambiguous': (p) => `Exit read ${p.plate} could be any of ${p.candidates.length} open sessions (${p.candidates.join(', ')}): pick the right one`,
    'exit-before-entry': (p, f) => `Exit of ${p.plate} at ${f.time(p.exitAt)} is older than the entry of its open session (${f.time(p.entryAt)}): out of order or a camera clock is wrong; the session stays open`,
    'exit-no-session': (p, f) => `Exit of ${p.plate} at ${f.time(p.exitAt)} matches no open session at this lot`,
    'uncertain-plate': (p, f) => `Plate not certain (${PLATE_RULE.en[p.rule] ?? p.rule}): reads ${p.reads.map((r) => `${ROLE.en[r.role] ?? r.role} ${r.read} (${f.conf(r.confidence)})`).join(', ')}`
      + `; candidates ${p.candidates.join(', ')}${p.confusableInLot.length ? `; confusable plates in the lot: ${p.confusableInLot.join(', ')}` : ''}. Nobody is billed until the plate is confirmed: check the images`,
    'bay-handover': (p) => `Bay handover: ${p.plate} was seen in bay ${p.bay} before it was reported free; the previous car's exit time is only an upper bound`,
    'no-tariff': (p, f) => (p.scheduled ? `No tariff version is in force at ${f.time(p.entryAt)}: schedule one from an earlier date` : 'This lot has no tariff: schedule a version in the console'),
    'tariff-error': (p) => `The tariff could not price this stay: ${p.message}`,
    overstay: (p, f) => `Open since ${f.time(p.openSince)}, longer than the lot's maximum stay of ${p.maxStayHours} h: check whether the car left unseen`,
    'payment-mismatch': (p) => `The payment provider reported ${p.reportedStatus} for ${p.reportedAmount}, but charge #${p.chargeId} of invoice #${p.invoiceId} is for ${yuan(p.amountFen)}: `
      + (p.held ? 'the charge and the invoice are held for review, not paid' : 'the invoice stays paid and the report was not applied'),
  },
};

/**
 * An exception's detail in the page's language, times in the lot's zone. Null for an exception
 * written before details had codes: the caller shows the stored English sentence as data.
 */
export function exceptionDetailText(ex: Pick<SessionException, 'detailCoded' | 'timeZone'>, lang: Lang): string | null {
  const d = ex.detailCoded;
  if (!d) return null;
  const f: Fmt = { time: (iso) => formatLocalTime(iso, ex.timeZone || LOT_TIME_ZONE), conf: (c) => (c === null ? '—' : c.toFixed(2)) };
  return (DETAIL[lang][d.code] as (p: ExceptionDetail['params'], f: Fmt) => string)(d.params, f);
}

// core/errors.ts: a sentence per code for the Chinese page.
const ERROR_ZH: Record<string, string> = {
  ONELOT_ERR_VALIDATION: '请求内容有误，请检查后重试',
  ONELOT_ERR_BAD_BBOX: '地图范围参数有误',
  ONELOT_ERR_NOT_FOUND: '没有找到，请检查编号后重试',
  ONELOT_ERR_ROUTE_NOT_FOUND: '没有这个接口',
  ONELOT_ERR_UNAUTHORIZED: '请先登录',
  ONELOT_ERR_FORBIDDEN: '没有权限进行此操作，请联系有权限的管理员',
  ONELOT_ERR_PASSWORD_SETUP: '这是一次性设置码：请先设置自己的密码',
  ONELOT_ERR_CSRF: '请求缺少安全校验，请刷新页面后重试',
  ONELOT_ERR_BAD_CODE: '验证码错误或已过期：请核对短信，或重新获取验证码',
  ONELOT_ERR_CONFLICT: '当前状态不允许此操作（可能已被他人处理），请刷新后再试',
  ONELOT_ERR_HEADERS_TOO_LARGE: '请求过大，请刷新页面后重试',
  ONELOT_ERR_RATE_LIMITED: '请求过于频繁，请稍候一分钟再试',
  ONELOT_ERR_UNAVAILABLE: '服务正在启动或暂时不可用，请几秒后重试',
  ONELOT_ERR_INTERNAL: '服务器出错，已记录；请重试，如仍失败请反馈',
  ONELOT_ERR_NETWORK: '网络连接失败，请检查网络后重试',
};
/**
 * Codes whose English message is where the specifics are (core/errors.ts '%s': which field, which
 * rule, what is in the way): the Chinese sentence leads and the API's words follow, as the sign-in
 * form does, until those errors carry codes of their own. Every other code is one fixed sentence.
 */
const SPECIFIC = new Set(['ONELOT_ERR_VALIDATION', 'ONELOT_ERR_NOT_FOUND', 'ONELOT_ERR_FORBIDDEN', 'ONELOT_ERR_CONFLICT']);

/** An API error in the page's language: Chinese from its code when known, else the API's English message. */
export function apiErrorText(code: string, message: string, lang: Lang): string {
  if (lang !== 'zh') return message;
  const status = /^ONELOT_ERR_HTTP_(\d+)$/.exec(code); // not our JSON: a proxy's page, say
  const zh = ERROR_ZH[code] ?? (status ? `服务器返回错误（HTTP ${status[1]}），请稍后重试` : null);
  if (!zh) return message;
  return SPECIFIC.has(code) ? `${zh}：${message}` : `${zh}。`;
}

type Words = Record<string, { zh: string; en: string }>;
const word = (table: Words, code: string, lang: Lang): string | null => table[code]?.[lang] ?? null;

// core/protocol.ts REJECT_CODES: why a device message was refused (the dead letters on a device's page).
const REJECT: Words = {
  payload_too_large: { zh: '消息过大', en: 'Too large' },
  invalid_json: { zh: '不是有效的 JSON', en: 'Not valid JSON' },
  unknown_type: { zh: '未知的消息类型', en: 'Unknown message type' },
  schema: { zh: '字段不符合协议', en: 'Fields do not match the protocol' },
  time_window: { zh: '时间超出可接受范围', en: 'Time outside the accepted window' },
  not_installed: { zh: '设备未安装到车位或停车场', en: 'Device not installed' },
  bay_not_assigned: { zh: '泊位未分配给此相机', en: 'Bay not assigned to this camera' },
};
export const rejectText = (code: string, lang: Lang) => word(REJECT, code, lang);

// core/protocol.ts: device kinds and the message types they send.
const DEVICE_KIND: Words = {
  'bay-sensor': { zh: '车位传感器', en: 'Bay sensor' },
  'bay-camera': { zh: '高位视频', en: 'Bay camera' },
  'gate-camera': { zh: '出入口相机', en: 'Gate camera' },
  gateway: { zh: '网关', en: 'Gateway' },
};
export const deviceKindText = (kind: string, lang: Lang) => word(DEVICE_KIND, kind, lang) ?? kind;

const MESSAGE_TYPE: Words = {
  occupancy: { zh: '占用状态', en: 'Occupancy' },
  heartbeat: { zh: '心跳', en: 'Heartbeat' },
  bay: { zh: '泊位识别', en: 'Bay report' },
  gate: { zh: '出入口识别', en: 'Gate read' },
};
export const messageTypeText = (type: string, lang: Lang) => word(MESSAGE_TYPE, type, lang);

// ingest/device-health.ts: the figures that raised an alert.
const ALERT_FIGURE: Words = {
  lastSeen: { zh: '最后在线', en: 'Last seen' },
  heartbeatIntervalS: { zh: '心跳间隔（秒）', en: 'Heartbeat interval (s)' },
  batteryV: { zh: '电压 (V)', en: 'Battery (V)' },
  thresholdV: { zh: '告警阈值 (V)', en: 'Threshold (V)' },
  occupied: { zh: '占用', en: 'Occupied' },
  since: { zh: '保持自', en: 'Since' },
  meanStayMinutes: { zh: '平均停放（分钟）', en: 'Mean stay (min)' },
  lastHour: { zh: '近一小时平均置信度', en: 'Mean confidence, last hour' },
  dayBefore: { zh: '前一天平均置信度', en: 'Mean confidence, the day before' },
  reads: { zh: '识别次数', en: 'Reads' },
  bays: { zh: '被燃油车占用的充电车位', en: 'EV bays taken by non-EVs' },
};
const ISO = /^\d{4}-\d\d-\d\dT/;
/** One figure of an alert as "label: value", times in the lot's zone, yes/no in the page's language. */
export function alertFigureText(key: string, value: unknown, lang: Lang): string {
  const label = word(ALERT_FIGURE, key, lang) ?? key;
  // ev-misuse (billing/ev-bays.ts): the bays, each with its masked plate and how long it has stood there.
  if (key === 'bays' && Array.isArray(value)) {
    const bays = (value as Array<{ bay: string; plate: string; minutes: number }>).map((b) => (lang === 'zh' ? `${b.bay}（${b.plate}，${b.minutes}分钟）` : `${b.bay} (${b.plate}, ${b.minutes} min)`));
    return `${label}${lang === 'zh' ? '：' : ': '}${bays.join(lang === 'zh' ? '、' : ', ')}`;
  }
  const v = typeof value === 'boolean' ? (lang === 'zh' ? (value ? '是' : '否') : (value ? 'yes' : 'no'))
    : typeof value === 'string' && ISO.test(value) ? formatLocalTime(value)
    : value === null ? '—' : String(value);
  return `${label}${lang === 'zh' ? '：' : ': '}${v}`;
}

// operators/bay-codes.ts REFUSAL_CODES: why a bay or device row was refused. The field at fault is
// the file's column name: the view draws it as code beside these words.
const REFUSAL: Words = {
  'bad-code': { zh: '编号只能由 1–64 个字母、数字、点、短横线或下划线组成', en: 'The code must be 1–64 letters, digits, dots, dashes or underscores' },
  'bad-flag': { zh: '应填 是/否', en: 'Must be yes or no' },
  'bad-coordinates': { zh: '经纬度不是有效的 WGS-84 度数', en: 'Latitude/longitude are not WGS-84 degrees' },
  'half-coordinates': { zh: '经度和纬度需同时填写，或都不填', en: 'Give both latitude and longitude, or neither' },
  duplicate: { zh: '该编号在本次提交中出现了两次', en: 'The code appears twice in this request' },
  'bay-here': { zh: '本停车场已有此车位', en: 'This lot has the bay already' },
  'bay-taken': { zh: '该编号已被占用：车位编号全市唯一', en: 'The code is taken: bay codes are unique city-wide' },
  'invalid-field': { zh: '不符合要求', en: 'Not valid' },
};
/** A refused row's reason in the page's language: from its code, an API error code's sentence, or as sent. */
export function refusalText(r: { why: string; reason: string }, lang: Lang): string {
  if (r.why.startsWith('ONELOT_ERR_')) return apiErrorText(r.why, r.reason, lang);
  return (lang === 'zh' ? word(REFUSAL, r.why, lang) : null) ?? r.reason;
}

// Lots' IANA zones (lots.time_zone) as a Chinese reader names them; English keeps the id.
const TIME_ZONE_ZH: Record<string, string> = { 'Asia/Shanghai': '北京时间', 'Asia/Urumqi': '乌鲁木齐时间', 'Asia/Hong_Kong': '香港时间' };
export const timeZoneText = (tz: string, lang: Lang) => (lang === 'zh' ? TIME_ZONE_ZH[tz] ?? tz : tz);

// payments/provider-outcomes.ts: why the last payment attempt failed (the provider's failure codes).
const PAYMENT_FAILURE: Words = {
  card_declined: { zh: '银行卡被拒', en: 'card declined' },
  insufficient_funds: { zh: '余额不足', en: 'insufficient funds' },
  expired_card: { zh: '银行卡已过期', en: 'card expired' },
  do_not_honor: { zh: '发卡行拒绝交易', en: 'refused by the bank' },
  processing_error: { zh: '支付处理出错', en: 'processing error' },
  canceled: { zh: '支付已取消', en: 'payment cancelled' },
  amount_mismatch: { zh: '金额不一致，待人工审核', en: 'amount mismatch, held for review' },
  unknown_at_provider: { zh: '支付机构无此交易记录', en: 'unknown to the payment provider' },
  rejected: { zh: '支付机构拒绝了请求', en: 'rejected by the payment provider' },
};
export const paymentFailureText = (code: string, lang: Lang) => word(PAYMENT_FAILURE, code, lang) ?? code;
