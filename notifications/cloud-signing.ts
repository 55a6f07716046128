// Request signing of the two Chinese SMS clouds, pure (no I/O; the clock and nonce are parameters),
// so it is tested against the examples the providers publish (cloud-signing.test.ts):
//  - Aliyun OpenAPI signature V3, ACS3-HMAC-SHA256 (help.aliyun.com/document_detail/2593177.html):
//    CanonicalRequest = method \n path \n sorted-encoded-query \n canonical-headers \n signed-headers \n
//    hex(sha256(body)); Signature = hex(HMAC-SHA256(AccessKeySecret, "ACS3-HMAC-SHA256\n" + hex(sha256(CanonicalRequest)))).
//  - Tencent Cloud API 3.0, TC3-HMAC-SHA256 (cloud.tencent.com/document/api/382/52072 for SMS,
//    the worked example in "Signature v3"): the key is derived HMAC("TC3"+SecretKey, date) →
//    service → "tc3_request", and signs Algorithm \n timestamp \n date/service/tc3_request \n hex(sha256(CanonicalRequest)).
import { createHash, createHmac } from 'node:crypto';

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s, 'utf8').digest();

/** RFC 3986 percent-encoding, as Aliyun's canonical query wants it (space %20, `*` %2A, `~` kept). */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface AliyunSigned {
  /** The encoded query string (also the canonical one: sorted). */
  query: string;
  headers: Record<string, string>;
  canonicalRequest: string;
}

/** Sign one Aliyun RPC-style call whose parameters travel in the query string (empty body). */
export function signAliyun(req: {
  method: 'POST' | 'GET'; host: string; action: string; version: string; params: Record<string, string>;
  accessKeyId: string; accessKeySecret: string; date: string; nonce: string; body?: string;
}): AliyunSigned {
  const body = req.body ?? '';
  const query = Object.keys(req.params).sort().map((k) => `${percentEncode(k)}=${percentEncode(req.params[k])}`).join('&');
  const signed: Record<string, string> = {
    host: req.host, 'x-acs-action': req.action, 'x-acs-content-sha256': sha256Hex(body),
    'x-acs-date': req.date, 'x-acs-signature-nonce': req.nonce, 'x-acs-version': req.version,
  };
  const names = Object.keys(signed).sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [req.method, '/', query, names.map((n) => `${n}:${signed[n].trim()}\n`).join(''), signedHeaders, signed['x-acs-content-sha256']].join('\n');
  const signature = createHmac('sha256', req.accessKeySecret).update(`ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`).digest('hex');
  return {
    query,
    canonicalRequest,
    headers: { ...signed, authorization: `ACS3-HMAC-SHA256 Credential=${req.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}` },
  };
}

export interface TencentSigned {
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
}

/** Sign one Tencent Cloud API 3.0 POST with a JSON body (headers content-type and host signed, as the example). */
export function signTencent(req: {
  host: string; service: string; action: string; version: string; region?: string; body: string;
  secretId: string; secretKey: string; timestamp: number;
}): TencentSigned {
  const contentType = 'application/json; charset=utf-8';
  const date = new Date(req.timestamp * 1000).toISOString().slice(0, 10); // the UTC date of the timestamp, never local
  const canonicalRequest = ['POST', '/', '', `content-type:${contentType}\nhost:${req.host}\n`, 'content-type;host', sha256Hex(req.body)].join('\n');
  const scope = `${date}/${req.service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(req.timestamp), scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(`TC3${req.secretKey}`, date), req.service), 'tc3_request');
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return {
    canonicalRequest,
    stringToSign,
    headers: {
      authorization: `TC3-HMAC-SHA256 Credential=${req.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`,
      'content-type': contentType, host: req.host,
      'x-tc-action': req.action, 'x-tc-timestamp': String(req.timestamp), 'x-tc-version': req.version,
      ...(req.region ? { 'x-tc-region': req.region } : {}),
    },
  };
}
