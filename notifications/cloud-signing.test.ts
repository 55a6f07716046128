// The signatures against the providers' own published examples (no network here: this is how we
// know a real call would be accepted). Aliyun: the V3 signature document's RunInstances request
// (Authorization ends Signature=06563a9e…). Tencent: "Signature v3" worked example, DescribeInstances
// at 1551113065 with SecretKey Gu5t9xGARNpq86cd98joQYCN3EXAMPLE (Signature=72e494ea…), each
// intermediate hash as the document prints it.
import { describe, expect, it } from 'vitest';
import { percentEncode, signAliyun, signTencent } from './cloud-signing.ts';

describe('Aliyun ACS3-HMAC-SHA256', () => {
  it('reproduces the documented RunInstances signature', () => {
    const s = signAliyun({
      method: 'POST', host: 'ecs.cn-shanghai.aliyuncs.com', action: 'RunInstances', version: '2014-05-26',
      params: { RegionId: 'cn-shanghai', ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd' },
      accessKeyId: 'YourAccessKeyId', accessKeySecret: 'YourAccessKeySecret',
      date: '2023-10-26T10:22:32Z', nonce: '3156853299f313e23d1673dc12e1703d',
    });
    expect(s.query).toBe('ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai');
    expect(s.headers['x-acs-content-sha256']).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(s.headers.authorization).toBe('ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
  });

  it('encodes the query as RFC 3986 wants (Chinese sign names, JSON template parameters)', () => {
    expect(percentEncode('a b*c~d')).toBe('a%20b%2Ac~d');
    expect(percentEncode('{"plate":"豫A·***09"}')).toBe('%7B%22plate%22%3A%22%E8%B1%ABA%C2%B7%2A%2A%2A09%22%7D');
  });
});

describe('Tencent Cloud TC3-HMAC-SHA256', () => {
  it('reproduces the documented DescribeInstances example step by step', () => {
    const s = signTencent({
      host: 'cvm.tencentcloudapi.com', service: 'cvm', action: 'DescribeInstances', version: '2017-03-12', region: 'ap-guangzhou',
      body: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
      secretId: 'AKID**********************0123456789EXAMPLE', secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE', timestamp: 1551113065,
    });
    expect(s.canonicalRequest).toBe('POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064');
    expect(s.stringToSign).toBe('TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031');
    expect(s.headers.authorization).toBe('TC3-HMAC-SHA256 Credential=AKID**********************0123456789EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168');
    expect(s.headers['x-tc-timestamp']).toBe('1551113065');
  });

  it('dates the scope in UTC, not China time (00:44 in Shanghai is still the day before)', () => {
    const s = signTencent({ host: 'sms.tencentcloudapi.com', service: 'sms', action: 'SendSms', version: '2021-01-11', body: '{}', secretId: 'id', secretKey: 'k', timestamp: 1551113065 });
    expect(s.stringToSign.split('\n')[2]).toBe('2019-02-25/sms/tc3_request');
  });
});
