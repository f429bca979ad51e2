export {
  type AddressClass,
  type AddressVerdict,
  type EmbeddedForm,
  classifyAddress,
  isAllowListed,
} from './address-class.js';
export { type BlockReason, type UrlCheck, type UrlRefusal, MAX_URL_LENGTH, checkUrl } from './check-url.js';
export {
  type OutboundPolicy,
  DEFAULT_ALLOWED_PORTS,
  DEFAULT_OUTBOUND_POLICY,
  parseCidrList,
  parsePortList,
} from './policy.js';
export type {
  FailureKind,
  InvalidReason,
  OutboundBlocked,
  OutboundFailure,
  OutboundInvalid,
  OutboundResponse,
  OutboundResult,
  ResponseClass,
} from './result.js';
export { parseRetryAfter } from './retry-after.js';
export {
  type OutboundMethod,
  type OutboundRequest,
  type ResolvedAddress,
  type Resolver,
  type SafeHttp,
  type SafeHttpOptions,
  OUTBOUND_METHODS,
  createSafeHttp,
  systemResolver,
} from './safe-http.client.js';
