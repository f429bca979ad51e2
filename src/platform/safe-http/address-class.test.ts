import { describe, expect, it } from 'vitest';
import {
  type AddressClass,
  classifyAddress,
  compileCidrs,
  formatCidr,
  isAllowListed,
  parseCidr,
} from './address-class.js';

/** [address, class, form it was judged through (if embedded), address to connect to (if rewritten)] */
const TABLE: readonly (readonly [string, AddressClass, string?, string?])[] = [
  // IPv4
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['172.15.255.255', 'public'],
  ['172.32.0.1', 'public'],
  ['100.63.255.255', 'public'],
  ['100.128.0.1', 'public'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'carrier-grade-nat'],
  ['100.127.255.254', 'carrier-grade-nat'],
  ['169.254.169.254', 'cloud-metadata'],
  ['169.254.170.2', 'cloud-metadata'],
  ['100.100.100.200', 'cloud-metadata'],
  ['192.0.0.192', 'cloud-metadata'],
  ['169.254.1.1', 'link-local'],
  ['192.0.0.8', 'reserved'],
  ['192.88.99.1', 'reserved'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.254', 'reserved'],
  ['255.255.255.255', 'broadcast'],
  ['192.0.2.1', 'documentation'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.9', 'documentation'],
  ['198.18.0.1', 'benchmarking'],
  ['198.19.255.255', 'benchmarking'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  // IPv6
  ['2606:4700:4700::1111', 'public'],
  ['2001:4860:4860::8888', 'public'],
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['febf:ffff::1', 'link-local'],
  ['fc00::1', 'unique-local'],
  ['fd12:3456::1', 'unique-local'],
  ['fd00:ec2::254', 'cloud-metadata'],
  ['fec0::1', 'site-local'],
  ['ff02::1', 'multicast'],
  ['ff05::1:3', 'multicast'],
  ['2001:db8::1', 'documentation'],
  ['3fff::1', 'documentation'],
  ['2001:2::1', 'benchmarking'],
  ['100::1', 'reserved'],
  ['2001:10::1', 'reserved'],
  ['2001:20::1', 'reserved'],
  ['5f00::1', 'reserved'],
  ['4000::1', 'reserved'],
  ['e000::1', 'reserved'],
  // IPv4-mapped: judged, and connected to, as the IPv4 address
  ['::ffff:127.0.0.1', 'loopback', 'ipv4-mapped', '127.0.0.1'],
  ['::ffff:7f00:1', 'loopback', 'ipv4-mapped', '127.0.0.1'],
  ['::ffff:169.254.169.254', 'cloud-metadata', 'ipv4-mapped', '169.254.169.254'],
  ['::ffff:10.0.0.1', 'private', 'ipv4-mapped', '10.0.0.1'],
  ['::ffff:8.8.8.8', 'public', 'ipv4-mapped', '8.8.8.8'],
  // IPv4-compatible (deprecated): never public
  ['::127.0.0.1', 'loopback', 'ipv4-compatible'],
  ['::10.0.0.1', 'private', 'ipv4-compatible'],
  ['::8.8.8.8', 'reserved', 'ipv4-compatible'],
  // SIIT IPv4-translated
  ['::ffff:0:7f00:1', 'loopback', 'ipv4-translated'],
  ['::ffff:0:a9fe:a9fe', 'cloud-metadata', 'ipv4-translated'],
  // NAT64 well-known prefix, and the local-use /48
  ['64:ff9b::127.0.0.1', 'loopback', 'nat64'],
  ['64:ff9b::a01:203', 'private', 'nat64'],
  ['64:ff9b::169.254.169.254', 'cloud-metadata', 'nat64'],
  ['64:ff9b::100.64.0.1', 'carrier-grade-nat', 'nat64'],
  ['64:ff9b::8.8.8.8', 'public', 'nat64'],
  ['64:ff9b:1::a00:1', 'private', 'nat64'],
  ['64:ff9b:1::7f00:1', 'loopback', 'nat64'],
  ['64:ff9b:1::808:808', 'private', 'nat64'],
  // 6to4
  ['2002:7f00:1::', 'loopback', '6to4'],
  ['2002:a9fe:a9fe::1', 'cloud-metadata', '6to4'],
  ['2002:c0a8:101::1', 'private', '6to4'],
  ['2002:e000:1::1', 'multicast', '6to4'],
  ['2002:808:808::1', 'public', '6to4'],
  // Teredo: server in words 2–3, client (inverted) in words 6–7
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'documentation', 'teredo'], // RFC 4380's example, client 192.0.2.45
  ['2001:0:7f00:1::', 'loopback', 'teredo'],
  ['2001:0:808:808:0:0:f5ff:fffe', 'private', 'teredo'], // client 10.0.0.1
  ['2001:0:808:808:0:0:fefe:fefe', 'public', 'teredo'], // server 8.8.8.8, client 1.1.1.1
];

describe('classifyAddress', () => {
  const rows = TABLE.map(([text, cls, via, connectTo]) => ({ text, cls, via, connectTo }));
  it.each(rows)('$text is $cls', ({ text, cls, via, connectTo }) => {
    const v = classifyAddress(text);
    expect(v?.class).toBe(cls);
    expect(v?.via).toBe(via);
    if (connectTo !== undefined) expect(v?.address).toBe(connectTo);
  });

  it('gives the canonical text to connect to', () => {
    expect(classifyAddress('2001:4860:4860:0:0:0:0:8888')).toEqual({
      address: '2001:4860:4860::8888',
      family: 6,
      class: 'public',
    });
    expect(classifyAddress('8.8.4.4')).toEqual({ address: '8.8.4.4', family: 4, class: 'public' });
  });

  it('reads only strict IP text: loose numeric forms and names are not addresses here', () => {
    for (const t of [
      '127.1',
      '2130706433',
      '0x7f.0.0.1',
      '0177.0.0.1',
      'localhost',
      'example.com',
      '',
      '[::1',
    ]) {
      expect(classifyAddress(t), t).toBeNull();
    }
  });
});

describe('allow-list', () => {
  it('parses CIDRs and bare addresses, canonically, and rejects anything else', () => {
    expect(formatCidr(parseCidr('127.0.0.1')!)).toBe('127.0.0.1/32');
    expect(formatCidr(parseCidr(' 10.1.0.0/16 ')!)).toBe('10.1.0.0/16');
    expect(formatCidr(parseCidr('FD12:0::/64')!)).toBe('fd12::/64');
    expect(formatCidr(parseCidr('::1')!)).toBe('::1/128');
    expect(formatCidr(parseCidr('::ffff:127.0.0.1/128')!)).toBe('127.0.0.1/32');
    expect(formatCidr(parseCidr('::ffff:10.0.0.0/104')!)).toBe('10.0.0.0/8');
    // IPv4-compatible is not IPv4-mapped: it stays IPv6.
    expect(formatCidr(parseCidr('::127.0.0.1/128')!)).toBe('::7f00:1/128');
    for (const bad of [
      '10.0.0.0/33',
      '::/129',
      '127.1/32',
      '0x7f.0.0.1',
      'example.com',
      '10.0.0.0/',
      '/8',
      '10.0.0.0/8/8',
    ]) {
      expect(parseCidr(bad), bad).toBeNull();
    }
  });

  it('matches an address only inside a listed range of its own family', () => {
    const allow = compileCidrs(['127.0.0.1/32', '10.20.0.0/16', 'fd12::/64']);
    expect(isAllowListed('127.0.0.1', allow)).toBe(true);
    expect(isAllowListed('127.0.0.2', allow)).toBe(false);
    expect(isAllowListed('10.20.255.1', allow)).toBe(true);
    expect(isAllowListed('10.21.0.1', allow)).toBe(false);
    expect(isAllowListed('fd12::5', allow)).toBe(true);
    expect(isAllowListed('fd13::5', allow)).toBe(false);
    expect(isAllowListed('::1', allow)).toBe(false);
    expect(isAllowListed('not-an-ip', allow)).toBe(false);
    expect(isAllowListed('127.0.0.1', compileCidrs([]))).toBe(false);
  });

  it('refuses to compile a bad entry', () => {
    expect(() => compileCidrs(['10.0.0.0/8', 'nope'])).toThrow(/nope/);
  });
});
