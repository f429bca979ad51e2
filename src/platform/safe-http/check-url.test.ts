import { describe, expect, it } from 'vitest';
import { MAX_URL_LENGTH, checkUrl } from './check-url.js';
import { DEFAULT_OUTBOUND_POLICY, type OutboundPolicy } from './policy.js';

const strict = DEFAULT_OUTBOUND_POLICY;
const withHttp: OutboundPolicy = { ...strict, allowHttp: true };

const refusal = (url: string, policy: OutboundPolicy = withHttp) => {
  const r = checkUrl(url, policy);
  return r.ok ? 'ok' : { reason: r.reason, addressClass: r.addressClass };
};

describe('checkUrl', () => {
  it('accepts public https URLs on the default ports', () => {
    for (const url of [
      'https://example.com/hooks',
      'https://example.com:8443/x?y=1',
      'https://8.8.8.8/',
      'https://[2606:4700:4700::1111]/',
      'https://Example.COM./path',
    ]) {
      expect(checkUrl(url, strict).ok, url).toBe(true);
    }
  });

  it('says which port it will use and whether the host was an address literal', () => {
    const named = checkUrl('https://example.com/a', strict);
    expect(named).toMatchObject({ ok: true, port: 443, literal: null });
    const literal = checkUrl('http://[::ffff:8.8.8.8]:8080/', withHttp);
    expect(literal).toMatchObject({ ok: true, port: 8080, literal: { address: '8.8.8.8', class: 'public' } });
  });

  it('refuses schemes other than http and https', () => {
    for (const url of [
      'ftp://example.com/',
      'file:///etc/passwd',
      'gopher://example.com/',
      'ws://example.com/',
      'data:text/plain,x',
    ]) {
      expect(refusal(url), url).toEqual({ reason: 'scheme-not-allowed', addressClass: null });
    }
  });

  it('wants https unless the operator allows plain http', () => {
    expect(refusal('http://example.com/', strict)).toEqual({
      reason: 'http-not-allowed',
      addressClass: null,
    });
    expect(refusal('http://example.com/', withHttp)).toBe('ok');
  });

  it('refuses credentials in the URL, and does not repeat them in the message', () => {
    for (const url of [
      'https://user:secret@example.com/',
      'https://user@example.com/',
      'https://:secret@example.com/',
    ]) {
      const r = checkUrl(url, strict);
      expect(r).toMatchObject({ ok: false, reason: 'credentials-in-url' });
      if (!r.ok) expect(r.message).not.toMatch(/secret|user@/);
    }
  });

  it('allows only the configured ports (default 80, 443, 8080, 8443), or any when configured', () => {
    for (const port of [80, 443, 8080, 8443])
      expect(refusal(`http://example.com:${port}/`), String(port)).toBe('ok');
    for (const port of [22, 25, 6379, 8081, 1]) {
      expect(refusal(`https://example.com:${port}/`), String(port)).toEqual({
        reason: 'port-not-allowed',
        addressClass: null,
      });
    }
    expect(refusal('https://example.com:9000/', { ...withHttp, allowedPorts: [9000] })).toBe('ok');
    expect(refusal('https://example.com/', { ...withHttp, allowedPorts: [9000] })).toMatchObject({
      reason: 'port-not-allowed',
    });
    expect(refusal('https://example.com:6379/', { ...withHttp, allowedPorts: 'any' })).toBe('ok');
  });

  it('refuses what is not a URL, and very long URLs', () => {
    for (const url of [
      '',
      'not a url',
      '/relative/path',
      'http://',
      'https://exa mple.com/',
      'http://[::1/',
      'http://[fe80::1%25eth0]/',
    ]) {
      expect(refusal(url), url).toMatchObject({ reason: 'invalid-url' });
    }
    expect(refusal(`https://example.com/${'a'.repeat(MAX_URL_LENGTH)}`)).toMatchObject({
      reason: 'invalid-url',
    });
  });

  // The WHATWG parser turns each of these into a dotted-decimal or canonical IPv6 host first.
  const NUMERIC_TRICKS: readonly (readonly [string, string])[] = [
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://0x7f000001/', 'loopback'],
    ['http://017700000001/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://127.000.000.001/', 'loopback'],
    ['http://%31%32%37.0.0.1/', 'loopback'],
    ['http://①②⑦.0.0.1/', 'loopback'],
    ['http://127.0.0.1./', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:7f00:1]/', 'loopback'],
    ['http://[::127.0.0.1]/', 'loopback'],
    ['http://[64:ff9b::127.0.0.1]/', 'loopback'],
    ['http://[2002:7f00:1::]/', 'loopback'],
    ['http://[0:0:0:0:0:0:0:1]/', 'loopback'],
    ['http://0/', 'unspecified'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://10.0.0.1./', 'private'],
    ['http://167772161/', 'private'],
    ['http://0xa9.0xfe.0xa9.0xfe/latest/meta-data/', 'cloud-metadata'],
    ['http://169.254.169.254/latest/meta-data/', 'cloud-metadata'],
    ['http://[fd00:ec2::254]/latest/meta-data/', 'cloud-metadata'],
    ['http://[::ffff:169.254.169.254]/', 'cloud-metadata'],
    ['http://[64:ff9b::a9fe:a9fe]/', 'cloud-metadata'],
    ['http://100.100.100.200/', 'cloud-metadata'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://[fc00::1]/', 'unique-local'],
    ['http://[fec0::1]/', 'site-local'],
    ['http://100.64.1.1/', 'carrier-grade-nat'],
    ['http://224.0.0.251/', 'multicast'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://192.0.2.10/', 'documentation'],
    ['http://198.18.0.1/', 'benchmarking'],
    ['http://240.0.0.1/', 'reserved'],
  ];
  it.each(NUMERIC_TRICKS)('refuses %s as %s', (url, cls) => {
    expect(refusal(url)).toEqual({ reason: 'address-not-allowed', addressClass: cls });
  });

  it('refuses localhost names as loopback without asking DNS', () => {
    for (const url of ['http://localhost/', 'http://LOCALHOST./', 'http://api.localhost:8080/']) {
      expect(refusal(url), url).toEqual({ reason: 'address-not-allowed', addressClass: 'loopback' });
    }
    expect(refusal('http://localhost.example.com/')).toBe('ok');
  });

  it('explains a refusal to an admin, naming the class', () => {
    const r = checkUrl('http://[64:ff9b::7f00:1]/', withHttp);
    expect(r).toMatchObject({
      ok: false,
      message: '[64:ff9b::7f00:1] is a loopback address (in nat64 form), which this server does not call',
    });
  });

  describe('with an allow-list', () => {
    const local: OutboundPolicy = { ...withHttp, allowCidrs: ['127.0.0.1/32'], allowedPorts: [8080, 9000] };

    it('lets exactly the listed range through', () => {
      expect(refusal('http://127.0.0.1:9000/hook', local)).toBe('ok');
      expect(refusal('http://2130706433:9000/hook', local)).toBe('ok');
      expect(refusal('http://[::ffff:127.0.0.1]:9000/', local)).toBe('ok');
      expect(refusal('http://localhost:9000/', local)).toBe('ok');
      expect(refusal('http://127.0.0.2:9000/', local)).toEqual({
        reason: 'address-not-allowed',
        addressClass: 'loopback',
      });
      expect(refusal('http://[::1]:9000/', local)).toEqual({
        reason: 'address-not-allowed',
        addressClass: 'loopback',
      });
      expect(refusal('http://10.0.0.1:9000/', local)).toEqual({
        reason: 'address-not-allowed',
        addressClass: 'private',
      });
    });

    it('does not lift the port, scheme or credential rules', () => {
      expect(refusal('http://127.0.0.1:22/', local)).toMatchObject({ reason: 'port-not-allowed' });
      expect(refusal('http://127.0.0.1:9000/', { ...local, allowHttp: false })).toMatchObject({
        reason: 'http-not-allowed',
      });
      expect(refusal('http://a:b@127.0.0.1:9000/', local)).toMatchObject({ reason: 'credentials-in-url' });
    });

    it('allows an allow-listed IPv6 range', () => {
      const v6: OutboundPolicy = { ...withHttp, allowCidrs: ['fd12::/64'] };
      expect(refusal('http://[fd12::10]/', v6)).toBe('ok');
      expect(refusal('http://[fd13::10]/', v6)).toEqual({
        reason: 'address-not-allowed',
        addressClass: 'unique-local',
      });
    });
  });
});
