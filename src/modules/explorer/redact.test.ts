import { describe, expect, it } from 'vitest';
import {
  REDACTED,
  isSensitiveName,
  redactHeaders,
  redactRequestEcho,
  redactString,
  redactValue,
} from './redact.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJnYXRld2F5In0.c2lnbmF0dXJl+/=';
const USER_TOKEN = 'user-token-0123456789';
const SECRETS = [TOKEN, USER_TOKEN, null, undefined];

describe('redactString', () => {
  it('removes every occurrence of every secret', () => {
    expect(redactString(`a ${TOKEN} b ${TOKEN} c ${USER_TOKEN}`, SECRETS)).toBe(
      `a ${REDACTED} b ${REDACTED} c ${REDACTED}`,
    );
  });

  it('removes the URL-encoded and JSON-escaped forms too', () => {
    const url = `https://x.test/?t=${encodeURIComponent(TOKEN)}`;
    expect(redactString(url, SECRETS)).toBe(`https://x.test/?t=${REDACTED}`);
    const quoted = 'tok"en-with-quote';
    expect(redactString(JSON.stringify({ v: quoted }), [quoted])).toBe(`{"v":"${REDACTED}"}`);
  });

  it('ignores secrets too short to search for safely', () => {
    expect(redactString('a short text', ['a', 'short'])).toBe('a short text');
  });
});

describe('isSensitiveName', () => {
  it.each([
    'X-Addon-Token',
    'authorization',
    'Proxy-Authorization',
    'x-api-key',
    'X-Marketplace-Token',
    'cookie',
    'Set-Cookie',
    'clockify-signature',
    'authToken',
    'webhookToken',
    'client_secret',
    'apiKey',
    'password',
    'x-auth',
  ])('treats %s as a credential', (name) => {
    expect(isSensitiveName(name)).toBe(true);
  });

  it.each([
    'content-type',
    'authors',
    'authorIds',
    'last-page',
    'x-ratelimit-remaining',
    'keyword',
    'tokens-used',
  ])('leaves %s alone', (name) => {
    expect(isSensitiveName(name)).toBe(false);
  });
});

describe('redactValue', () => {
  it('redacts secrets in nested strings and keys, and sensitive-named string properties', () => {
    const value = {
      name: `note with ${TOKEN}`,
      list: [{ deep: USER_TOKEN }],
      [TOKEN]: 1,
      authToken: 'webhook-token-value',
      tokenExpired: true,
      apiKey: '',
    };
    expect(redactValue(value, SECRETS)).toEqual({
      name: `note with ${REDACTED}`,
      list: [{ deep: REDACTED }],
      [REDACTED]: 1,
      authToken: REDACTED,
      tokenExpired: true,
      apiKey: '',
    });
  });

  it('does not modify its input', () => {
    const value = { a: TOKEN };
    redactValue(value, SECRETS);
    expect(value).toEqual({ a: TOKEN });
  });

  it('stops at hostile nesting depth', () => {
    let deep: unknown = TOKEN;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(() => redactValue(deep, SECRETS)).not.toThrow();
    expect(JSON.stringify(redactValue(deep, SECRETS))).not.toContain(TOKEN);
  });
});

describe('redactHeaders and redactRequestEcho', () => {
  it('replaces credential header values whatever they hold, and secrets in the others', () => {
    expect(
      redactHeaders(
        {
          'X-Addon-Token': TOKEN,
          Authorization: `Bearer ${USER_TOKEN}`,
          'X-Api-Key': 'personal-key',
          'X-Note': `copy of ${TOKEN}`,
          'Set-Cookie': ['a=1', 'b=2'],
          'Content-Type': 'application/json',
          Absent: undefined,
        },
        SECRETS,
      ),
    ).toEqual({
      'x-addon-token': REDACTED,
      authorization: REDACTED,
      'x-api-key': REDACTED,
      'x-note': `copy of ${REDACTED}`,
      'set-cookie': REDACTED,
      'content-type': 'application/json',
    });
  });

  it('leaves no secret anywhere in a request echo', () => {
    const echo = redactRequestEcho(
      {
        method: 'POST',
        url: `https://api.clockify.me/api/v1/workspaces/w/projects?name=${encodeURIComponent(TOKEN)}`,
        headers: { 'x-addon-token': TOKEN },
        body: { name: TOKEN, note: `Bearer ${USER_TOKEN}` },
      },
      SECRETS,
    );
    const json = JSON.stringify(echo);
    expect(json).not.toContain(TOKEN);
    expect(json).not.toContain(encodeURIComponent(TOKEN));
    expect(json).not.toContain(USER_TOKEN);
    expect(echo).toEqual({
      method: 'POST',
      url: `https://api.clockify.me/api/v1/workspaces/w/projects?name=${REDACTED}`,
      headers: { 'x-addon-token': REDACTED },
      body: { name: REDACTED, note: `Bearer ${REDACTED}` },
    });
  });
});
