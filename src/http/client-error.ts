import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_STATUS, type ErrorCode, errorEnvelope } from '../platform/errors.js';

/** What to answer a request Node's HTTP parser rejected, by the parser's error code. Pure. */
export function clientErrorReply(errCode: string | undefined): { code: ErrorCode; message: string } {
  if (errCode === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { code: 'REQUEST_TIMEOUT', message: 'The request did not arrive in time' };
  if (errCode === 'HPE_HEADER_OVERFLOW')
    return { code: 'HEADERS_TOO_LARGE', message: 'The request headers are too large' };
  return { code: 'VALIDATION_FAILED', message: 'Malformed HTTP request' };
}

/**
 * Fastify's `clientErrorHandler`: requests rejected before routing (a malformed Content-Length or request
 * line, oversized headers, timeouts) get the project's error envelope instead of Fastify's own shape.
 * The connection is closed afterwards: after a parse error the rest of the stream cannot be trusted.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection is already gone; there is nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const { code, message } = clientErrorReply(err.code);
    const status = ERROR_STATUS[code];
    const body = JSON.stringify(errorEnvelope(code, message, `req_${randomUUID()}`));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/**
 * How much of a rejected body the gateway still reads (and discards) before it closes the connection:
 * enough for any sender that is finishing a body a few times over the largest limit (10 MiB), not
 * enough to make a body limit meaningless.
 */
export const LINGER_BOUNDS = { maxBytes: 16 * 1_048_576, maxMs: 10_000, checkEveryMs: 50 };

const lingering = new WeakSet<Socket>();

/**
 * Makes the connection close gracefully after a response that rejected a body the client is still
 * sending (413). Node closes a `Connection: close` response's socket as soon as the response is written
 * (`destroySoon`); bytes still arriving then make the kernel answer with a reset, which can reach the
 * sender before it has read the response, so it sees a network error and retries. Instead: send FIN
 * after the response, keep reading and discarding what arrives until the sender finishes (its FIN), and
 * close at once past `bounds` (bytes or time), so the limit keeps its protection.
 */
export function lingerBeforeClose(socket: Socket, bounds = LINGER_BOUNDS): void {
  if (lingering.has(socket)) return;
  lingering.add(socket);
  socket.destroySoon = function lingeringClose(this: Socket) {
    if (this.writable) this.end(); // FIN once the response is flushed
    if (this.readableEnded) {
      this.destroy();
      return;
    }
    // Node's HTTP parser consumes the socket itself (no 'data' events), so count with bytesRead.
    const fromBytes = this.bytesRead;
    const until = Date.now() + bounds.maxMs;
    const check = setInterval(() => {
      if (this.bytesRead - fromBytes > bounds.maxBytes || Date.now() > until) this.destroy();
    }, bounds.checkEveryMs);
    check.unref();
    this.once('close', () => clearInterval(check));
    this.once('end', () => this.destroy());
    this.resume(); // read and discard (Node's HTTP parser reads on its own; a plain socket may be paused)
  };
}
