/**
 * The closed catalogue of error codes. Every code maps to exactly one HTTP status and is documented
 * in docs/errors.md (a contract test enforces that).
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  UNAUTHENTICATED: 401,
  SIGNATURE_INVALID: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INSTALLATION_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
  INVALID_DEFINITION: 422,
  SETTINGS_INVALID: 422,
  URL_NOT_ALLOWED: 422,
  INPUT_INVALID: 422,
  CONFIRMATION_REQUIRED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UPSTREAM_UNAVAILABLE: 502,
  NOT_READY: 503,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly details: unknown;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions & { details?: unknown },
  ) {
    super(message, options);
    this.details = options?.details;
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** The one JSON error shape every answer of ours uses (docs/errors.md). */
export type ErrorEnvelope = {
  error: { code: ErrorCode; message: string; requestId: string; details?: unknown };
};

/** Builds the error envelope; `details` is left out when undefined. The only place the shape is written. */
export function errorEnvelope(
  code: ErrorCode,
  message: string,
  requestId: string,
  details?: unknown,
): ErrorEnvelope {
  return { error: { code, message, requestId, ...(details !== undefined ? { details } : {}) } };
}

/** The driver's error inside Prisma's wrapper (driver adapters put it in `meta.driverAdapterError.cause`). */
type DbErrorFields = { code?: unknown; message?: unknown; detail?: unknown };
function driverErrorOf(e: object): DbErrorFields | undefined {
  const meta = (e as { meta?: { driverAdapterError?: { cause?: unknown } } }).meta;
  const cause = meta?.driverAdapterError?.cause;
  return typeof cause === 'object' && cause !== null ? cause : undefined;
}

// Five characters, but not one of Prisma's own codes (P1000–P6999), which share the shape.
const isSqlState = (c: unknown): c is string =>
  typeof c === 'string' && /^[0-9A-Z]{5}$/.test(c) && !/^P[1-9]\d{3}$/.test(c);

/** The SQLSTATE of a database error, however the driver (pg, PGlite) or Prisma wrapped it. */
export function sqlStateOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 4; depth++) {
    const o = e as { code?: unknown; meta?: { code?: unknown }; cause?: unknown };
    for (const c of [driverErrorOf(o)?.code, o.meta?.code, o.code]) if (isSqlState(c)) return c;
    e = o.cause;
  }
  return undefined;
}

/**
 * A one-line reason for an error, for logs and stored error columns: the database's own message and
 * detail when it is a database error (Prisma's message for those can read "Message: `undefined`").
 */
export function errorReason(err: unknown): string {
  const state = sqlStateOf(err);
  if (state !== undefined && typeof err === 'object' && err !== null) {
    const d: DbErrorFields = driverErrorOf(err) ?? err;
    const message = typeof d.message === 'string' ? d.message : '';
    const detail = typeof d.detail === 'string' ? ` (${d.detail})` : '';
    if (message !== '') return `database error ${state}: ${message}${detail}`;
  }
  return err instanceof Error ? err.message : String(err);
}
