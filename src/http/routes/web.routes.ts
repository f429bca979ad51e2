import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';

const PUBLIC_DIR = new URL('../../../public/', import.meta.url);
const ASSETS: Record<string, string> = {
  'icon.svg': 'image/svg+xml',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
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

/** The admin web page (the sidebar component) and its static assets, read once at start-up. */
export const webRoutes: FastifyPluginAsync = async (app) => {
  const files = new Map(Object.keys(ASSETS).map((name) => [name, readFileSync(new URL(name, PUBLIC_DIR))]));
  const page = readFileSync(new URL('app.html', PUBLIC_DIR));

  app.get('/app', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', CSP)
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .send(page),
  );

  app.get<{ Params: { name: string } }>('/assets/:name', { schema: { hide: true } }, async (req, reply) => {
    const body = files.get(req.params.name);
    if (body === undefined) return reply.callNotFound();
    return reply
      .header('content-type', ASSETS[req.params.name])
      .header('cache-control', 'public, max-age=300')
      .send(body);
  });
};
