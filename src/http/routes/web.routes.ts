import { readFileSync, readdirSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';

const PUBLIC_DIR = fileURLToPath(new URL('../../../public/', import.meta.url));
const TYPES: Record<string, string> = {
  '.svg': 'image/svg+xml',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

// The page runs inside Clockify's iframe: allow Clockify to frame it, nothing else to inject into it.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'self' https://*.clockify.me https://clockify.me",
].join('; ');

/** Every asset under public/ (ES modules, CSS, icons) by its path, e.g. `js/views/sources.js`. */
function readAssets(dir: string): Map<string, { type: string; body: Buffer }> {
  const assets = new Map<string, { type: string; body: Buffer }>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const type = TYPES[extname(entry.name)];
    if (type === undefined) continue;
    const full = join(entry.parentPath, entry.name);
    assets.set(relative(dir, full).split(sep).join('/'), { type, body: readFileSync(full) });
  }
  return assets;
}

/**
 * The admin web page (the sidebar component) and its static assets, read once at start-up. No build
 * step: the browser loads the ES modules under public/js as they are (docs/adr/0007-admin-page.md).
 */
export const webRoutes: FastifyPluginAsync = async (app) => {
  const assets = readAssets(PUBLIC_DIR);
  const page = readFileSync(join(PUBLIC_DIR, 'app.html'));

  app.get('/app', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', CSP)
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .send(page),
  );

  app.get<{ Params: { '*': string } }>('/assets/*', { schema: { hide: true } }, async (req, reply) => {
    const asset = assets.get(req.params['*']);
    if (asset === undefined) return reply.callNotFound();
    return reply
      .header('content-type', asset.type)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-cache')
      .send(asset.body);
  });
};
