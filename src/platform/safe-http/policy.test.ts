import { describe, expect, it } from 'vitest';
import { DEFAULT_OUTBOUND_POLICY, parseCidrList, parsePortList } from './policy.js';

describe('outbound policy lists', () => {
  it('parses an allow-list into canonical CIDRs, naming every bad entry', () => {
    expect(parseCidrList('')).toEqual({ ok: true, value: [] });
    expect(parseCidrList(' 127.0.0.1 , 10.0.0.0/8,FD12::/64 ,::1')).toEqual({
      ok: true,
      value: ['127.0.0.1/32', '10.0.0.0/8', 'fd12::/64', '::1/128'],
    });
    expect(parseCidrList('10.0.0.0/8, localhost, 300.1.1.1')).toEqual({
      ok: false,
      problem: 'not a CIDR or IP address: localhost, 300.1.1.1',
    });
  });

  it('parses ports, or * for any', () => {
    expect(parsePortList('80,443, 8080,8443,443')).toEqual({ ok: true, value: [80, 443, 8080, 8443] });
    expect(parsePortList('*')).toEqual({ ok: true, value: 'any' });
    expect(parsePortList('0,80,65536,http')).toEqual({
      ok: false,
      problem: 'not a port (1–65535) or *: 0, 65536, http',
    });
    expect(parsePortList(' ')).toMatchObject({ ok: false });
    expect(parsePortList('80,*')).toMatchObject({ ok: false });
  });

  it('defaults to https only, public addresses only, the usual ports', () => {
    expect(DEFAULT_OUTBOUND_POLICY).toMatchObject({
      allowCidrs: [],
      allowHttp: false,
      allowedPorts: [80, 443, 8080, 8443],
    });
  });
});
