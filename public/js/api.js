// The one way the page talks to the gateway: /ui/* with the Clockify user token as a Bearer token.
// The token lives in memory and sessionStorage only (never in the address bar, never in localStorage).

const STORAGE_KEY = 'gw_token';
let token = '';

/** Takes ?auth_token=… from the address (Clockify's iframe URL) into memory, then removes it from the address. */
export function initToken() {
  const params = new URLSearchParams(location.search);
  token = params.get('auth_token') || sessionStorage.getItem(STORAGE_KEY) || '';
  if (params.has('auth_token')) {
    sessionStorage.setItem(STORAGE_KEY, token);
    params.delete('auth_token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : '') + location.hash);
  }
  return token !== '';
}

/** Seconds until the token's `exp` (unverified read, for a timely message); null when it has none. */
export function tokenSecondsLeft() {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.exp === 'number' ? payload.exp - Date.now() / 1000 : null;
  } catch {
    return null;
  }
}

// Words an admin can act on, per error code (docs/errors.md); the server's message follows.
const CODE_TEXT = {
  VALIDATION_FAILED: 'Some input is not valid',
  INVALID_JSON: 'The request was not valid JSON',
  UNAUTHENTICATED: 'Your session has expired',
  FORBIDDEN: 'You do not have permission to do this',
  NOT_FOUND: 'It no longer exists',
  INSTALLATION_NOT_FOUND: 'The add-on is not installed in this workspace',
  CONFLICT: 'This conflicts with work in progress',
  PAYLOAD_TOO_LARGE: 'Too much data',
  INVALID_DEFINITION: 'This definition cannot work as written',
  URL_NOT_ALLOWED: 'The gateway will not call this URL',
  INPUT_INVALID: 'Some fields do not match what Clockify expects',
  CONFIRMATION_REQUIRED: 'This call changes data and needs your confirmation',
  RATE_LIMITED: 'Too many requests; wait a moment and try again',
  INTERNAL: 'Something went wrong on the gateway; try again',
  UPSTREAM_UNAVAILABLE: 'Clockify did not answer; try again shortly',
  NOT_READY: 'The gateway is starting; try again shortly',
};

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(`${CODE_TEXT[code] ?? 'The request failed'}: ${message}`);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const expiredListeners = [];
/** Called once when the API says the token is no longer valid. */
export function onExpired(fn) {
  expiredListeners.push(fn);
}

export async function api(method, path, body) {
  let res;
  try {
    res = await fetch(`/ui${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'the gateway could not be reached; check your connection and try again');
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = data?.error;
    const e = new ApiError(
      res.status,
      err?.code ?? `HTTP_${res.status}`,
      err?.message ?? res.statusText,
      err?.details,
    );
    if (res.status === 401) for (const fn of expiredListeners) fn(e);
    throw e;
  }
  return data;
}

/** Builds a query string from the defined, non-empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
