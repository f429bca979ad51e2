import {
  type AddressClass,
  type AddressVerdict,
  type CompiledCidrs,
  classifyAddress,
  compileCidrs,
  isAllowListed,
} from './address-class.js';
import type { OutboundPolicy } from './policy.js';

export type BlockReason =
  | 'invalid-url'
  | 'scheme-not-allowed'
  | 'http-not-allowed'
  | 'credentials-in-url'
  | 'port-not-allowed'
  /** The URL names an address (or `localhost`) in a refused class. */
  | 'address-not-allowed'
  /** The host name resolved to an address in a refused class (decided at send time). */
  | 'resolved-address-not-allowed';

export type UrlRefusal = {
  ok: false;
  reason: BlockReason;
  /** The refused address's class; null when the refusal is not about an address. */
  addressClass: AddressClass | null;
  /** For an admin: what is wrong and, where useful, what is allowed. Never echoes credentials. */
  message: string;
};

export type UrlCheck =
  | {
      ok: true;
      url: URL;
      port: number;
      /** The URL's host when it is an IP address literal (already checked), else null: resolve it. */
      literal: AddressVerdict | null;
    }
  | UrlRefusal;

export const MAX_URL_LENGTH = 4_096;

const compiled = new WeakMap<readonly string[], CompiledCidrs>();
/** The policy's allow-list, parsed once per list. */
export function allowListOf(policy: OutboundPolicy): CompiledCidrs {
  let c = compiled.get(policy.allowCidrs);
  if (c === undefined) {
    c = compileCidrs(policy.allowCidrs);
    compiled.set(policy.allowCidrs, c);
  }
  return c;
}

const CLASS_TEXT: Record<AddressClass, string> = {
  public: 'a public address',
  unspecified: 'the unspecified address',
  loopback: 'a loopback address',
  private: 'a private network address',
  'carrier-grade-nat': 'a carrier-grade NAT address',
  'link-local': 'a link-local address',
  'cloud-metadata': 'a cloud metadata service address',
  'unique-local': 'a unique-local IPv6 address',
  'site-local': 'a site-local IPv6 address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
  benchmarking: 'a benchmarking address',
  documentation: 'a documentation address',
};

export const describeClass = (c: AddressClass): string => CLASS_TEXT[c];

/** Whether an address may be called under the policy: public, or inside an allow-listed range. */
export function addressAllowed(verdict: AddressVerdict, allow: CompiledCidrs): boolean {
  return verdict.class === 'public' || isAllowListed(verdict.address, allow);
}

const refuse = (
  reason: BlockReason,
  message: string,
  addressClass: AddressClass | null = null,
): UrlRefusal => ({
  ok: false,
  reason,
  addressClass,
  message,
});

/** RFC 6761: `localhost` and every name under it are loopback, whatever DNS says. */
const isLocalhostName = (host: string): boolean => {
  const h = host.replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
};

/**
 * Everything about a URL that can be decided without DNS: scheme, credentials, port, and the address
 * when the host is an IP literal. Pure; admin routes answer 422 `URL_NOT_ALLOWED` with the refusal.
 * The WHATWG parser rewrites numeric host tricks (`2130706433`, `0x7f.1`, `127.1`, `017700000001`) to
 * dotted decimal first, so they are judged as the address they are.
 */
export function checkUrl(input: string | URL, policy: OutboundPolicy): UrlCheck {
  const text = String(input);
  if (text.length > MAX_URL_LENGTH) {
    return refuse('invalid-url', `URL is longer than ${MAX_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse('invalid-url', 'not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return refuse('scheme-not-allowed', 'only http and https URLs can be called');
  }
  if (url.protocol === 'http:' && !policy.allowHttp) {
    return refuse('http-not-allowed', 'this server only calls https URLs');
  }
  if (url.username !== '' || url.password !== '') {
    return refuse(
      'credentials-in-url',
      'URLs must not contain a user name or password; send credentials in a header',
    );
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (policy.allowedPorts !== 'any' && !policy.allowedPorts.includes(port)) {
    return refuse(
      'port-not-allowed',
      `port ${port} is not allowed (allowed: ${policy.allowedPorts.join(', ')})`,
    );
  }
  if (url.hostname === '') return refuse('invalid-url', 'the URL has no host');
  const allow = allowListOf(policy);
  const literal = classifyAddress(url.hostname);
  if (literal !== null) {
    if (!addressAllowed(literal, allow)) {
      const form = literal.via ? ` (in ${literal.via} form)` : '';
      return refuse(
        'address-not-allowed',
        `${url.hostname} is ${describeClass(literal.class)}${form}, which this server does not call`,
        literal.class,
      );
    }
    return { ok: true, url, port, literal };
  }
  if (isLocalhostName(url.hostname)) {
    const loopback = ['127.0.0.1', '::1'].some((a) => isAllowListed(a, allow));
    if (!loopback) {
      return refuse(
        'address-not-allowed',
        `${url.hostname} is a loopback name, which this server does not call`,
        'loopback',
      );
    }
  }
  return { ok: true, url, port, literal: null };
}
