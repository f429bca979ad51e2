/**
 * Which addresses an outbound call may reach. Ranges are matched with ipaddr.js; the table below is
 * ours because ipaddr.js's own `range()` lumps documentation, benchmarking and protocol ranges together
 * and knows nothing of cloud metadata endpoints. Addresses that embed an IPv4 address (IPv4-mapped,
 * IPv4-compatible, SIIT, NAT64, 6to4, Teredo) are judged by the IPv4 address they lead to.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'carrier-grade-nat'
  | 'link-local'
  | 'cloud-metadata'
  | 'unique-local'
  | 'site-local'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'benchmarking'
  | 'documentation';

/** How an IPv6 address carries the IPv4 address it was judged by. */
export type EmbeddedForm =
  'ipv4-mapped' | 'ipv4-compatible' | 'ipv4-translated' | 'nat64' | '6to4' | 'teredo';

export type AddressVerdict = {
  /** The address to connect to: canonical text; an IPv4-mapped IPv6 address becomes its IPv4 address. */
  address: string;
  family: 4 | 6;
  class: AddressClass;
  /** Set when the class comes from an IPv4 address embedded in this IPv6 one. */
  via?: EmbeddedForm;
};

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];
const cidr = (text: string): Range => ipaddr.parseCIDR(text);

/** First match wins, so specific entries (metadata, broadcast) precede the ranges that contain them. */
const IPV4_TABLE: readonly (readonly [Range, AddressClass])[] = [
  // AWS/GCP/Azure/DigitalOcean (169.254.169.254), AWS ECS task credentials, Alibaba, Oracle.
  [cidr('169.254.169.254/32'), 'cloud-metadata'],
  [cidr('169.254.170.2/32'), 'cloud-metadata'],
  [cidr('100.100.100.200/32'), 'cloud-metadata'],
  [cidr('192.0.0.192/32'), 'cloud-metadata'],
  [cidr('0.0.0.0/8'), 'unspecified'],
  [cidr('10.0.0.0/8'), 'private'],
  [cidr('100.64.0.0/10'), 'carrier-grade-nat'],
  [cidr('127.0.0.0/8'), 'loopback'],
  [cidr('169.254.0.0/16'), 'link-local'],
  [cidr('172.16.0.0/12'), 'private'],
  [cidr('192.0.0.0/24'), 'reserved'], // IETF protocol assignments
  [cidr('192.0.2.0/24'), 'documentation'],
  [cidr('192.88.99.0/24'), 'reserved'], // former 6to4 relay anycast
  [cidr('192.168.0.0/16'), 'private'],
  [cidr('198.18.0.0/15'), 'benchmarking'],
  [cidr('198.51.100.0/24'), 'documentation'],
  [cidr('203.0.113.0/24'), 'documentation'],
  [cidr('224.0.0.0/4'), 'multicast'],
  [cidr('255.255.255.255/32'), 'broadcast'],
  [cidr('240.0.0.0/4'), 'reserved'],
];

const IPV6_TABLE: readonly (readonly [Range, AddressClass])[] = [
  [cidr('fd00:ec2::254/128'), 'cloud-metadata'], // AWS IMDS over IPv6
  [cidr('::/128'), 'unspecified'],
  [cidr('::1/128'), 'loopback'],
  [cidr('100::/64'), 'reserved'], // discard-only
  [cidr('2001:2::/48'), 'benchmarking'],
  [cidr('2001:db8::/32'), 'documentation'],
  [cidr('3fff::/20'), 'documentation'],
  [cidr('2001::/23'), 'reserved'], // IETF protocol assignments (Teredo is handled before the table)
  [cidr('5f00::/16'), 'reserved'], // segment routing SIDs
  [cidr('fc00::/7'), 'unique-local'],
  [cidr('fe80::/10'), 'link-local'],
  [cidr('fec0::/10'), 'site-local'],
  [cidr('ff00::/8'), 'multicast'],
];

/** Only 2000::/3 is allocated for global unicast; everything else left over is not a place to call. */
const GLOBAL_UNICAST = cidr('2000::/3');

const SIX_TO_FOUR = cidr('2002::/16');
const TEREDO = cidr('2001::/32');
const LOCAL_NAT64 = cidr('64:ff9b:1::/48');
/** Forms that embed an IPv4 address in the low 32 bits, in match order. */
const LOW32_FORMS: readonly (readonly [Range, EmbeddedForm])[] = [
  [cidr('::ffff:0:0/96'), 'ipv4-mapped'],
  [cidr('::ffff:0:0:0/96'), 'ipv4-translated'],
  [cidr('64:ff9b::/96'), 'nat64'],
  [LOCAL_NAT64, 'nat64'],
  [cidr('::/96'), 'ipv4-compatible'],
];

const v4FromWords = (hi: number, lo: number): ipaddr.IPv4 =>
  new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);

function classifyV4(ip: ipaddr.IPv4): AddressClass {
  for (const [range, cls] of IPV4_TABLE) if (ip.match(range)) return cls;
  return 'public';
}

/** The worst class of the IPv4 addresses embedded in `ip`, or null when it embeds none. */
function embedded(ip: ipaddr.IPv6): { class: AddressClass; via: EmbeddedForm } | null {
  const w = ip.parts;
  const at = (i: number): number => w[i] ?? 0;
  if (ip.match(TEREDO)) {
    // Teredo carries the server's address in words 2–3 and the client's, inverted, in words 6–7.
    const server = classifyV4(v4FromWords(at(2), at(3)));
    const client = classifyV4(v4FromWords(~at(6) & 0xffff, ~at(7) & 0xffff));
    return { class: server !== 'public' ? server : client, via: 'teredo' };
  }
  if (ip.match(SIX_TO_FOUR)) return { class: classifyV4(v4FromWords(at(1), at(2))), via: '6to4' };
  for (const [range, via] of LOW32_FORMS) {
    if (!ip.match(range)) continue;
    const cls = classifyV4(v4FromWords(at(6), at(7)));
    // The local-use NAT64 prefix leads into the operator's own network whatever it embeds; the
    // IPv4-compatible form is deprecated and routes nowhere public.
    if (cls === 'public' && range === LOCAL_NAT64) return { class: 'private', via };
    if (cls === 'public' && via === 'ipv4-compatible') return { class: 'reserved', via };
    return { class: cls, via };
  }
  return null;
}

function classifyV6(ip: ipaddr.IPv6): { class: AddressClass; via?: EmbeddedForm } {
  // ::, ::1 and the metadata address are exact entries that the embedded forms would misread.
  const head = IPV6_TABLE.slice(0, 3).find(([range]) => ip.match(range));
  if (head) return { class: head[1] };
  const inner = embedded(ip);
  if (inner) return inner;
  for (const [range, cls] of IPV6_TABLE) if (ip.match(range)) return { class: cls };
  return { class: ip.match(GLOBAL_UNICAST) ? 'public' : 'reserved' };
}

/**
 * IPv6 text in the WHATWG URL serialisation (hex words only, zone dropped). ipaddr.js reads the
 * IPv4-compatible `::127.0.0.1` as IPv4-mapped; after this it never sees a dotted tail.
 */
function canonicalV6(text: string): string {
  const noZone = text.replace(/%.*$/, '');
  return new URL(`http://[${noZone}]/`).hostname.slice(1, -1);
}

/**
 * The class of an IP address given as text (dotted-quad IPv4 or IPv6, brackets allowed), or null when
 * the text is not an IP address. Only the strict forms `net.isIP` accepts are read: loose numeric forms
 * (`0x7f.1`, `2130706433`) never reach here, because the WHATWG URL parser has already rewritten them.
 */
export function classifyAddress(text: string): AddressVerdict | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const family = isIP(bare);
  if (family === 0) return null;
  const ip = ipaddr.parse(family === 6 ? canonicalV6(bare) : bare);
  if (ip.kind() === 'ipv4') {
    const v4 = ip as ipaddr.IPv4;
    return { address: v4.toString(), family: 4, class: classifyV4(v4) };
  }
  const v6 = ip as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) {
    // Connect to the IPv4 address itself: that is where an IPv4-mapped address leads anyway.
    const v4 = v6.toIPv4Address();
    return { address: v4.toString(), family: 4, class: classifyV4(v4), via: 'ipv4-mapped' };
  }
  const { class: cls, via } = classifyV6(v6);
  return { address: v6.toRFC5952String(), family: 6, class: cls, ...(via ? { via } : {}) };
}

export type CompiledCidrs = readonly Range[];

/**
 * Parses an allow-list entry: a CIDR (`10.1.2.0/24`, `fd12::/64`) or a single address (`/32`, `/128`).
 * IPv4-mapped IPv6 entries are stored as IPv4, matching how addresses are judged. Null when invalid.
 */
export function parseCidr(text: string): Range | null {
  const t = text.trim();
  const withPrefix = t.includes('/') ? t : `${t}/${isIP(t) === 6 ? 128 : 32}`;
  const [addr = '', bits = '', ...rest] = withPrefix.split('/');
  const family = isIP(addr);
  if (family === 0 || rest.length > 0 || !/^\d{1,3}$/.test(bits)) return null;
  const canonical = `${family === 6 ? canonicalV6(addr) : addr}/${bits}`;
  if (!ipaddr.isValidCIDR(canonical)) return null;
  const [ip, prefix] = ipaddr.parseCIDR(canonical);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() && prefix >= 96) {
    return [(ip as ipaddr.IPv6).toIPv4Address(), prefix - 96];
  }
  return [ip, prefix];
}

/** Canonical text of a parsed entry (`127.0.0.1/32`), as config stores and reports it. */
export const formatCidr = ([ip, prefix]: Range): string =>
  `${ip.kind() === 'ipv6' ? (ip as ipaddr.IPv6).toRFC5952String() : ip.toString()}/${prefix}`;

export function compileCidrs(list: readonly string[]): CompiledCidrs {
  return list.map((entry) => {
    const range = parseCidr(entry);
    if (range === null) throw new Error(`not a CIDR or IP address: ${entry}`);
    return range;
  });
}

/** Whether an address (canonical text, as in `AddressVerdict.address`) is inside an allow-listed range. */
export function isAllowListed(address: string, cidrs: CompiledCidrs): boolean {
  const family = isIP(address);
  if (cidrs.length === 0 || family === 0) return false;
  const ip = ipaddr.parse(family === 6 ? canonicalV6(address) : address);
  return cidrs.some((range) => range[0].kind() === ip.kind() && ip.match(range));
}
