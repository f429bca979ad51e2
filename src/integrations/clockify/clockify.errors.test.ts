import { describe, expect, it } from 'vitest';
import { classifyStatus, failure, parseRetryAfter, retryDecision, toAppError } from './clockify.errors.js';
import { baseUrlFor, buildUrl, deriveAuditLogUrl, deriveReportsUrl } from './clockify.urls.js';

const policy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 10_000, maxRetryAfterS: 60 };

describe('classifyStatus', () => {
  it.each([
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not-found'],
    [400, 'invalid'],
    [409, 'invalid'],
    [413, 'too-large'],
    [429, 'rate-limited'],
    [500, 'upstream'],
    [503, 'upstream'],
    [302, 'upstream'],
  ] as const)('maps %i to %s', (status, kind) => expect(classifyStatus(status)).toBe(kind));
});

describe('retryDecision', () => {
  const decide = (
    kind: Parameters<typeof retryDecision>[0]['kind'],
    attempt: number,
    safe: boolean,
    retryAfterS?: number,
  ) => retryDecision({ kind, attempt, safe, retryAfterS, policy, random: () => 1 });

  it('retries 5xx, network errors and timeouts only for safe operations', () => {
    for (const kind of ['upstream', 'network', 'timeout'] as const) {
      expect(decide(kind, 1, true)).toEqual({ retry: true, delayMs: 250 });
      expect(decide(kind, 1, false)).toEqual({ retry: false });
    }
  });

  it('retries 429 for any method, honouring Retry-After up to a ceiling', () => {
    expect(decide('rate-limited', 1, false, 2)).toEqual({ retry: true, delayMs: 2000 });
    expect(decide('rate-limited', 1, true)).toEqual({ retry: true, delayMs: 250 });
    expect(decide('rate-limited', 1, true, 3600)).toEqual({ retry: false });
  });

  it('never retries client errors and stops at the attempt limit', () => {
    for (const kind of ['unauthorized', 'forbidden', 'not-found', 'invalid', 'too-large'] as const) {
      expect(decide(kind, 1, true)).toEqual({ retry: false });
    }
    expect(decide('upstream', 4, true)).toEqual({ retry: false });
  });

  it('backs off exponentially with jitter and a cap', () => {
    const at = (attempt: number, r: number) =>
      retryDecision({ kind: 'upstream', attempt, safe: true, policy, random: () => r });
    expect(at(3, 1)).toEqual({ retry: true, delayMs: 1000 });
    expect(at(3, 0)).toEqual({ retry: true, delayMs: 500 });
    expect(
      retryDecision({
        kind: 'network',
        attempt: 20,
        safe: true,
        policy: { ...policy, maxAttempts: 99 },
        random: () => 1,
      }),
    ).toEqual({
      retry: true,
      delayMs: 10_000,
    });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('1', 0)).toBe(1);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 1_000)).toBe(9);
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});

describe('failure messages', () => {
  it('are readable and carry Clockify’s message', () => {
    expect(failure('forbidden', 403, 'Access denied').message).toMatch(
      /permission.*\(HTTP 403\): Access denied/,
    );
    expect(toAppError(failure('not-found', 404)).code).toBe('NOT_FOUND');
    expect(toAppError(failure('upstream', 503)).code).toBe('UPSTREAM_UNAVAILABLE');
  });
});

describe('Clockify base URLs', () => {
  it('derives reports and audit-log hosts from the API URL', () => {
    expect(deriveReportsUrl('https://api.clockify.me/api')).toBe('https://reports.api.clockify.me');
    expect(deriveReportsUrl('https://euc1.clockify.me/api/')).toBe('https://euc1.clockify.me/report');
    expect(deriveAuditLogUrl('https://api.clockify.me/api')).toBe('https://auditlog-api.api.clockify.me');
    expect(deriveAuditLogUrl('https://euc1.clockify.me/api')).toBeUndefined();
  });

  it('prefers the stored claims', () => {
    const urls = { apiUrl: 'https://x.example/api/', reportsUrl: 'https://r.example' };
    expect(baseUrlFor('api', urls)).toBe('https://x.example/api');
    expect(baseUrlFor('reports', urls)).toBe('https://r.example');
  });

  it('URL-encodes path params and repeats array query values', () => {
    expect(
      buildUrl(
        'https://h/api',
        '/v1/workspaces/{workspaceId}/projects/{id}',
        { workspaceId: 'w', id: 'a/b c' },
        { page: 1, tags: ['x', 'y'], skip: undefined },
      ),
    ).toBe('https://h/api/v1/workspaces/w/projects/a%2Fb%20c?page=1&tags=x&tags=y');
  });
});
