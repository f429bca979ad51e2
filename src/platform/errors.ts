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
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UPSTREAM_UNAVAILABLE: 502,
  NOT_READY: 503,
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
