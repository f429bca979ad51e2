import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { lingerBeforeClose } from './client-error.js';

/**
 * lingerBeforeClose on a plain TCP server: the server answers at once, then closes the way Node's HTTP
 * server closes a `Connection: close` response (destroySoon), while the client may still be writing.
 */
let server: Server | undefined;
afterEach(() => server?.close());

const bounds = { maxBytes: 1_048_576, maxMs: 200, checkEveryMs: 10 };

let serverClosed: Promise<void>;
async function serve(): Promise<number> {
  let closed!: () => void;
  serverClosed = new Promise((r) => (closed = r));
  server = createServer((socket: Socket) => {
    socket.on('close', closed);
    lingerBeforeClose(socket, bounds);
    socket.write('ANSWER');
    socket.destroySoon();
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Writes `bytes` (paused: reads only after writing), then optionally ends; resolves on close. */
function client(port: number, bytes: number, end: boolean) {
  return new Promise<{ read: string; error: string | null; written: number }>((resolve) => {
    // allowHalfOpen: our FIN must not end the client's side; only `end` decides when it stops writing.
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let read = '';
    let error: string | null = null;
    let written = 0;
    s.pause();
    s.on('data', (d: Buffer) => (read += d.toString()));
    s.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    s.on('close', () => resolve({ read, error, written }));
    const chunk = Buffer.alloc(16_384);
    const pump = () => {
      while (written < bytes && error === null) {
        written += chunk.length;
        if (!s.write(chunk)) return void s.once('drain', pump);
      }
      s.resume();
      if (end) s.end();
    };
    s.on('connect', pump);
  });
}

describe('lingerBeforeClose', () => {
  it('lets a sender finish writing and read the answer, then closes without a reset', async () => {
    const res = await client(await serve(), 512 * 1_024, true);
    expect(res).toEqual({ read: 'ANSWER', error: null, written: 512 * 1_024 });
  });

  it('closes once more than maxBytes arrived', async () => {
    const res = await client(await serve(), 64 * 1_048_576, true);
    expect(res.written).toBeLessThan(64 * 1_048_576);
    expect(res.error).not.toBeNull();
  });

  it('closes after maxMs when the sender neither finishes nor stops', async () => {
    const started = Date.now();
    const port = await serve();
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    s.on('error', () => undefined);
    s.write(Buffer.alloc(1_024)); // and then nothing, never its end
    await serverClosed; // only the time bound can close it
    expect(Date.now() - started).toBeGreaterThanOrEqual(bounds.maxMs - 20);
    s.destroy();
  });
});
