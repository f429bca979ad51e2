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
