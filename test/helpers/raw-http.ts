import { connect } from 'node:net';

export type RawResponse = {
  /** Everything the server sent, as latin1 text. */
  text: string;
  status: number | null;
  headers: Record<string, string>;
  body: string;
  /** The socket error the client saw (ECONNRESET, EPIPE), if any. */
  error: string | null;
  /** Body bytes the client managed to write. */
  written: number;
};

function parse(text: string): Pick<RawResponse, 'status' | 'headers' | 'body'> {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return { status: null, headers: {}, body: '' };
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine?.split(' ')[1]), headers, body: text.slice(end + 4) };
}

/** Sends bytes exactly as given (no Host added, nothing fixed up) and reads until the server closes. */
export function rawRequest(port: number, request: string): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let error: string | null = null;
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => resolve({ text, ...parse(text), error, written: 0 }));
    socket.end(request);
  });
}

/**
 * A sender that declares a large body and keeps writing it, as fast as the socket takes it, without
 * reading anything until it has written all of it (or the connection broke): the client that sees a
 * connection reset instead of the answer when a server closes a connection with unread data.
 */
export function writeWholeBodyThenRead(
  port: number,
  opts: {
    path: string;
    bodyBytes: number;
    headers?: Record<string, string>;
    chunked?: boolean;
    method?: string;
  },
): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let error: string | null = null;
    let written = 0;
    socket.pause(); // read nothing yet: what arrives waits in the kernel's buffer
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on('close', () => resolve({ text, ...parse(text), error, written }));
    socket.on('connect', () => {
      const headers = {
        host: 'gateway.test',
        'content-type': 'application/json',
        ...opts.headers,
        ...(opts.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(opts.bodyBytes) }),
      };
      socket.write(
        `${opts.method ?? 'POST'} ${opts.path} HTTP/1.1\r\n${Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('')}\r\n`,
      );
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const frame = (data: Buffer) =>
        opts.chunked
          ? Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')])
          : data;
      const pump = () => {
        while (written < opts.bodyBytes && error === null && !socket.destroyed) {
          const n = Math.min(chunk.length, opts.bodyBytes - written);
          written += n;
          if (!socket.write(frame(n === chunk.length ? chunk : chunk.subarray(0, n)))) {
            socket.once('drain', pump);
            return;
          }
        }
        // Done writing (or broken): now read the answer, and say we are done.
        socket.resume();
        if (socket.destroyed) return;
        if (opts.chunked) socket.end('0\r\n\r\n');
        else socket.end();
      };
      pump();
    });
  });
}
