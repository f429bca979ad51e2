import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, buildTestApp } from '../helpers/build-test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const get = (url: string) => t.app.inject({ method: 'GET', url });

describe('the admin page and its assets', () => {
  it('serves the shell with the strict CSP and no inline script', async () => {
    const res = await get('/app');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.body).toContain('<script type="module" src="/assets/js/app.js"></script>');
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.body).not.toMatch(/\son[a-z]+=/i);
  });

  it('serves every module the page imports, from the gateway, under 300 KB in all', async () => {
    const seen = new Map<string, number>();
    const queue = ['js/app.js'];
    while (queue.length > 0) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      const res = await get(`/assets/${path}`);
      expect(res.statusCode, path).toBe(200);
      expect(res.headers['content-type'], path).toBe('text/javascript; charset=utf-8');
      seen.set(path, res.rawPayload.length);
      for (const [, spec] of res.body.matchAll(/^\s*(?:import|export)\s[^'"]*from\s+'([^']+)'/gm)) {
        expect(spec, `${path} imports ${spec}`).toMatch(/^\.\.?\//); // no CDN, no bare specifier
        queue.push(new URL(spec!, `http://x/${path}`).pathname.slice(1));
      }
    }
    expect([...seen.keys()]).toEqual(
      expect.arrayContaining(['js/api.js', 'js/ui.js', 'js/views/sources.js']),
    );
    const css = await get('/assets/app.css');
    const icon = await get('/assets/icon.svg');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    const total =
      [...seen.values()].reduce((a, b) => a + b, 0) +
      css.rawPayload.length +
      icon.rawPayload.length +
      (await get('/app')).rawPayload.length;
    expect(total).toBeLessThan(300 * 1024);
  });

  it('answers 404 for anything that is not an asset', async () => {
    for (const url of [
      '/assets/nope.js',
      '/assets/app.html',
      '/assets/../src/main.ts',
      '/assets/%2e%2e/package.json',
      '/assets/js/../../package.json',
      '/assets/',
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json<{ error: { code: string } }>().error.code, url).toBe('NOT_FOUND');
    }
  });
});
