/**
 * Snippets are run, not just read: each is executed by the real interpreter (bash, node, python3) with
 * the HTTP call stubbed out, and the request the stub receives must be exactly the one described.
 * That is what proves the escaping holds for hostile values.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedRequest } from './build-request.js';
import { jsString, pyLiteral, pyString, shellQuote, snippet } from './snippets.js';

const TOKEN = 'token-from-the-environment';
const HOSTILE = `it's "quoted" \`whoami\` $(echo INJECTED) \${HOME} $HOME %s \\ back\\slash\nnew line\r\ttab \u0000 é € 😀 \u2028\u2029 \u202e!`;

let cwd: string;
beforeAll(() => {
  // Multipart snippets read ./file.bin; give them one.
  cwd = mkdtempSync(join(tmpdir(), 'explorer-snippets-'));
  writeFileSync(join(cwd, 'file.bin'), 'FILEDATA');
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

function run(command: string, args: string[], input: string): string {
  const r = spawnSync(command, args, {
    input,
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, CLOCKIFY_ADDON_TOKEN: TOKEN },
    timeout: 20_000,
  });
  if (r.status !== 0)
    throw new Error(`${command} failed (${r.status}): ${r.stderr}\n--- input ---\n${input}`);
  return r.stdout;
}

/** The arguments curl would have received. */
function runCurl(code: string): string[] {
  const stub = `curl() { for a in "$@"; do printf '%s\\0' "$a"; done; }\n`;
  return run('bash', ['-s'], stub + code)
    .split('\0')
    .slice(0, -1);
}

type Captured = { url: string; method: string; headers: Record<string, string>; body?: unknown };

/** What fetch would have been called with. */
function runFetch(code: string): Captured {
  const stub = `
globalThis.fetch = async (url, init) => {
  let body = init.body;
  if (body instanceof FormData) {
    body = [];
    for (const [k, v] of init.body.entries())
      body.push([k, typeof v === 'string' ? v : { name: v.name, text: await v.text() }]);
  }
  process.stdout.write(JSON.stringify({ url, method: init.method, headers: init.headers, body }));
  return { status: 200, text: async () => '' };
};
console.log = () => {};
`;
  return JSON.parse(run('node', ['--input-type=module', '-'], stub + code)) as Captured;
}

/** What requests.request would have been called with. */
function runPython(
  code: string,
): Captured & { json?: unknown; data?: unknown; files?: Record<string, string> } {
  const stub = `
import builtins, json, sys, types
m = types.ModuleType("requests")
class Response:
    status_code = 200
    text = ""
def request(method, url, **kw):
    files = {k: v.read().decode() for k, v in (kw.get("files") or {}).items()}
    sys.stdout.write(json.dumps({"method": method, "url": url, "headers": kw.get("headers"),
        "json": kw.get("json"), "data": kw.get("data"), "files": files, "timeout": kw.get("timeout")}))
    return Response()
m.request = request
sys.modules["requests"] = m
builtins.print = lambda *a, **k: None
exec(compile(sys.stdin.read(), "snippet", "exec"))
`;
  return JSON.parse(run('python3', ['-c', stub], code)) as Captured;
}

const jsonRequest = (
  body: unknown,
  url = 'https://api.clockify.me/api/v1/workspaces/w1/projects',
): PreparedRequest => ({
  operationId: 'createNewProject',
  method: 'POST',
  server: 'api',
  url,
  contentType: 'application/json',
  body,
});

const hostileBody = {
  name: HOSTILE,
  [`key ${HOSTILE}`]: [HOSTILE, 1.5, -0, 1e21, true, false, null, { nested: HOSTILE }],
  empty: {},
  list: [],
};
const hostileUrl = `https://api.clockify.me/api/v1/workspaces/w1/projects?name=${encodeURIComponent(HOSTILE)}&x=[1]{2}`;

describe('snippet("curl")', () => {
  it('gives curl exactly the URL, token header and body, whatever the values hold', () => {
    const args = runCurl(snippet(jsonRequest(hostileBody, hostileUrl), 'curl'));
    expect(args).toEqual([
      '--globoff',
      '--request',
      'POST',
      hostileUrl,
      '--header',
      `X-Addon-Token: ${TOKEN}`,
      '--header',
      'Accept: application/json',
      '--header',
      'Content-Type: application/json',
      '--data-raw',
      JSON.stringify(hostileBody, null, 2),
    ]);
  });

  it('has no body flags for a GET', () => {
    const args = runCurl(
      snippet({ ...jsonRequest(undefined), method: 'GET', contentType: undefined }, 'curl'),
    );
    expect(args).not.toContain('--data-raw');
    expect(args.slice(0, 4)).toEqual([
      '--globoff',
      '--request',
      'GET',
      'https://api.clockify.me/api/v1/workspaces/w1/projects',
    ]);
  });

  it('sends multipart fields as literal strings (a leading @ is not a file) and files by name', () => {
    // A shell argument cannot hold a NUL byte (JSON bodies escape it; a raw form field cannot).
    const hostile = HOSTILE.replace('\u0000', '');
    const request: PreparedRequest = {
      operationId: 'createExpense',
      method: 'POST',
      server: 'api',
      url: 'https://api.clockify.me/api/v1/workspaces/w1/expenses',
      contentType: 'multipart/form-data',
      body: { notes: `@/etc/passwd ${hostile}`, amount: 9.5, file: '' },
      fileFields: ['file'],
    };
    const args = runCurl(snippet(request, 'curl'));
    expect(args.slice(-6)).toEqual([
      '--form-string',
      `notes=@/etc/passwd ${hostile}`,
      '--form-string',
      'amount=9.5',
      '--form',
      'file=@./file.bin',
    ]);
  });

  it('quotes a single word for the shell', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe('snippet("fetch")', () => {
  it('calls fetch with exactly the URL, method, token and body, whatever the values hold', () => {
    const captured = runFetch(snippet(jsonRequest(hostileBody, hostileUrl), 'fetch'));
    expect(captured).toEqual({
      url: hostileUrl,
      method: 'POST',
      headers: { 'X-Addon-Token': TOKEN, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify(hostileBody),
    });
  });

  it('keeps a __proto__ key as data instead of setting a prototype', () => {
    const body = JSON.parse('{"__proto__":{"polluted":true},"name":"x"}') as unknown;
    const captured = runFetch(snippet(jsonRequest(body), 'fetch'));
    expect(JSON.stringify(JSON.parse(captured.body as string))).toBe(JSON.stringify(body));
    expect(captured.body).toContain('"__proto__"');
  });

  it('builds FormData for multipart, reading the file', () => {
    const request: PreparedRequest = {
      operationId: 'uploadImage',
      method: 'POST',
      server: 'api',
      url: 'https://api.clockify.me/api/v1/file/image',
      contentType: 'multipart/form-data',
      body: { caption: HOSTILE, file: '' },
      fileFields: ['file'],
    };
    expect(runFetch(snippet(request, 'fetch')).body).toEqual([
      ['caption', HOSTILE],
      ['file', { name: 'file.bin', text: 'FILEDATA' }],
    ]);
  });

  it('writes JS string literals that survive line separators', () => {
    expect(jsString('a\u2028b')).toBe('"a\\u2028b"');
  });
});

describe('snippet("python")', () => {
  it('calls requests with exactly the URL, method, token and JSON body, whatever the values hold', () => {
    const captured = runPython(snippet(jsonRequest(hostileBody, hostileUrl), 'python'));
    expect(captured).toMatchObject({
      method: 'POST',
      url: hostileUrl,
      headers: { 'X-Addon-Token': TOKEN, Accept: 'application/json' },
      json: JSON.parse(JSON.stringify(hostileBody)),
      data: null,
      timeout: 30,
    });
  });

  it('sends multipart fields as data and files by name', () => {
    const request: PreparedRequest = {
      operationId: 'createExpense',
      method: 'POST',
      server: 'api',
      url: 'https://api.clockify.me/api/v1/workspaces/w1/expenses',
      contentType: 'multipart/form-data',
      body: { notes: HOSTILE, amount: 9.5, file: '' },
      fileFields: ['file'],
    };
    expect(runPython(snippet(request, 'python'))).toMatchObject({
      json: null,
      data: { notes: HOSTILE, amount: '9.5' },
      files: { file: 'FILEDATA' },
    });
  });

  it('writes ASCII-only Python literals', () => {
    expect(pyString('é😀\u0000"\\')).toBe('"\\u00e9\\U0001f600\\x00\\"\\\\"');
    expect(pyLiteral({ a: [true, null, 1.5] })).toBe(
      '{\n    "a": [\n        True,\n        None,\n        1.5,\n    ],\n}',
    );
  });

  it('reads the token from the environment in every language', () => {
    for (const lang of ['curl', 'fetch', 'python'] as const) {
      const code = snippet(jsonRequest({ a: 1 }), lang);
      expect(code).toContain('CLOCKIFY_ADDON_TOKEN');
    }
    expect(snippet(jsonRequest({}), 'curl')).toContain('"X-Addon-Token: $CLOCKIFY_ADDON_TOKEN"');
    expect(snippet(jsonRequest({}), 'python')).toContain('os.environ["CLOCKIFY_ADDON_TOKEN"]');
    expect(snippet(jsonRequest({}), 'fetch')).toContain('process.env.CLOCKIFY_ADDON_TOKEN');
  });
});
