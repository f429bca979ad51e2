import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { errorEnvelope } from '../../platform/errors.js';

/**
 * The first phase of a graceful shutdown (issue #11). Node's `server.close()` destroys idle keep-alive
 * connections at once, so a client that sends its next request on one just then sees a reset. Before
 * closing, the gateway drains: every new request, on an open or a new connection, is answered
 * `503 SERVICE_UNAVAILABLE` with `Connection: close` and `Retry-After`, and responses to requests
 * already running close their connection too. The drain ends when no connection is left open, or after
 * `maxMs`; then `app.close()` finishes the in-flight requests and stops.
 *
 * Call before the app is ready (it adds hooks).
 */
export function installShutdownDrain(app: FastifyInstance): { drain(maxMs: number): Promise<void> } {
  let draining = false;
  const open = new Set<Socket>();
  app.addHook('onReady', function trackConnections(done) {
    app.server.on('connection', (socket: Socket) => {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
    });
    done();
  });
  app.addHook('onRequest', (req, reply, done) => {
    if (!draining) return done();
    void reply
      .code(503)
      .header('connection', 'close')
      .header('retry-after', '1')
      .send(
        errorEnvelope(
          'SERVICE_UNAVAILABLE',
          'The gateway is shutting down; retry (another instance may answer)',
          req.id,
        ),
      );
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  return {
    async drain(maxMs) {
      draining = true;
      const deadline = Date.now() + maxMs;
      while (open.size > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}
