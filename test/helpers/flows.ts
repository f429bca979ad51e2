/** Helpers for the flows integration tests (test/integration/flows*.int.test.ts). */
import type { TestApp } from './build-test-app.js';
import { bearer, userToken } from './clockify.js';

export type Api = (
  ws: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
  role?: string,
) => Promise<{ statusCode: number; body: string; json: <T = any>() => T }>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const flowsApi =
  (t: TestApp): Api =>
  async (ws, method, url, payload, role = 'OWNER') =>
    t.app.inject({
      method,
      url,
      headers: bearer(await userToken(t, ws, role)),
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });

/** A minimal valid flow: on NEW_TAG-like custom events, create a Clockify tag named from the body. */
export function tagFlow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 1,
    name: 'Tag from event',
    trigger: { sources: ['clockify'], events: ['NEW_PROJECT'] },
    actions: [
      {
        id: 'tag',
        type: 'clockify',
        operationId: 'createNewTag',
        body: { name: 'project {{ webhook.name }}' },
      },
    ],
    ...overrides,
  };
}
