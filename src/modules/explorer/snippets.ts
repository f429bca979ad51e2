/**
 * The same request as code to copy: curl, JavaScript `fetch` (Node 18+) or Python `requests`. The
 * token is never in a snippet: it reads the `CLOCKIFY_ADDON_TOKEN` environment variable. Every value
 * from the request is escaped for its language, so a hostile value (quotes, `$(…)`, backticks,
 * newlines, unicode) stays data:
 * - shell: single quotes, `'` as `'\''` (nothing is special inside single quotes); `--globoff` so curl
 *   does not expand `[]{}` in the URL; `--data-raw` and `--form-string` so a leading `@` or `<` is not
 *   read as a file name (a NUL byte cannot be passed to curl at all; JSON bodies escape it, a raw
 *   multipart field cannot);
 * - JavaScript: JSON string literals (valid JS), U+2028/U+2029 escaped; a body with a `__proto__` key
 *   is passed as a JSON string, since an object literal would set the prototype instead;
 * - Python: ASCII-only string literals with `\x`, `\u` and `\U` escapes; JSON values as Python literals.
 */
import type { PreparedRequest } from './build-request.js';

export type SnippetLanguage = 'curl' | 'fetch' | 'python';
export const SNIPPET_LANGUAGES: readonly SnippetLanguage[] = ['curl', 'fetch', 'python'];

export const TOKEN_ENV = 'CLOCKIFY_ADDON_TOKEN';

/** A shell word: single-quoted, single quotes spliced in as `'\''`. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A JavaScript string literal. */
export const jsString = (s: string) =>
  JSON.stringify(s)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

/** A Python 3 string literal using ASCII only. */
export function pyString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x7f) out += ch;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** A JSON value as a Python literal (dict, list, str, int/float, True/False/None). */
export function pyLiteral(value: unknown, indent = 0): string {
  const pad = (n: number) => ' '.repeat(n);
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'None';
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v) => `${pad(indent + 4)}${pyLiteral(v, indent + 4)},`);
    return `[\n${items.join('\n')}\n${pad(indent)}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const items = entries.map(([k, v]) => `${pad(indent + 4)}${pyString(k)}: ${pyLiteral(v, indent + 4)},`);
    return `{\n${items.join('\n')}\n${pad(indent)}}`;
  }
  return 'None';
}

function hasProtoKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasProtoKey);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([k, v]) => k === '__proto__' || hasProtoKey(v));
}

/** Multipart fields as strings: strings as they are, anything else as JSON. */
const formValue = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

type Form = { fields: [string, string][]; files: string[] };

function formOf(request: PreparedRequest): Form | undefined {
  if (!request.contentType?.startsWith('multipart/') || !isObject(request.body)) return undefined;
  const files = new Set(request.fileFields ?? []);
  return {
    fields: Object.entries(request.body)
      .filter(([k, v]) => !files.has(k) && v !== undefined)
      .map(([k, v]) => [k, formValue(v)]),
    files: [...files],
  };
}

/** A local file name placeholder for a file field. */
const fileName = (field: string) => `./${field.replace(/[^\w.-]/g, '_') || 'file'}.bin`;

function curl(request: PreparedRequest): string {
  const lines = [
    `curl --globoff --request ${request.method} ${shellQuote(request.url)}`,
    `--header "X-Addon-Token: $${TOKEN_ENV}"`,
    `--header 'Accept: application/json'`,
  ];
  const form = formOf(request);
  if (form) {
    for (const [k, v] of form.fields) lines.push(`--form-string ${shellQuote(`${k}=${v}`)}`);
    for (const f of form.files) lines.push(`--form ${shellQuote(`${f}=@${fileName(f)}`)}`);
  } else if (request.body !== undefined) {
    lines.push(`--header ${shellQuote(`Content-Type: ${request.contentType ?? 'application/json'}`)}`);
    lines.push(`--data-raw ${shellQuote(JSON.stringify(request.body, null, 2))}`);
  }
  return lines.join(' \\\n  ') + '\n';
}

function fetchJs(request: PreparedRequest): string {
  const headers = [`    "X-Addon-Token": process.env.${TOKEN_ENV},`, `    Accept: "application/json",`];
  const prelude: string[] = [];
  let body: string | undefined;
  const form = formOf(request);
  if (form) {
    if (form.files.length > 0) prelude.push('import { readFile } from "node:fs/promises";', '');
    prelude.push('const form = new FormData();');
    for (const [k, v] of form.fields) prelude.push(`form.append(${jsString(k)}, ${jsString(v)});`);
    for (const f of form.files)
      prelude.push(
        `form.append(${jsString(f)}, new Blob([await readFile(${jsString(fileName(f))})]), ${jsString(fileName(f).slice(2))});`,
      );
    prelude.push('');
    body = 'form';
  } else if (request.body !== undefined) {
    headers.push(`    "Content-Type": ${jsString(request.contentType ?? 'application/json')},`);
    const json = JSON.stringify(request.body, null, 2);
    body = hasProtoKey(request.body)
      ? jsString(json)
      : `JSON.stringify(${json
          .replace(/\u2028/g, '\\u2028')
          .replace(/\u2029/g, '\\u2029')
          .replace(/\n/g, '\n  ')})`;
  }
  return [
    ...prelude,
    `const response = await fetch(${jsString(request.url)}, {`,
    `  method: ${jsString(request.method)},`,
    '  headers: {',
    ...headers,
    '  },',
    ...(body !== undefined ? [`  body: ${body},`] : []),
    '});',
    'console.log(response.status, await response.text());',
    '',
  ].join('\n');
}

function python(request: PreparedRequest): string {
  const args = [
    `    ${pyString(request.method)},`,
    `    ${pyString(request.url)},`,
    '    headers={',
    `        "X-Addon-Token": os.environ[${pyString(TOKEN_ENV)}],`,
    '        "Accept": "application/json",',
    '    },',
  ];
  const form = formOf(request);
  if (form) {
    if (form.fields.length > 0) args.push(`    data=${pyLiteral(Object.fromEntries(form.fields), 4)},`);
    if (form.files.length > 0) {
      const files = form.files.map((f) => `        ${pyString(f)}: open(${pyString(fileName(f))}, "rb"),`);
      args.push('    files={', ...files, '    },');
    }
  } else if (request.body !== undefined) {
    args.push(`    json=${pyLiteral(request.body, 4)},`);
  }
  args.push('    timeout=30,');
  return [
    'import os',
    '',
    'import requests',
    '',
    'response = requests.request(',
    ...args,
    ')',
    'print(response.status_code, response.text)',
    '',
  ].join('\n');
}

export function snippet(request: PreparedRequest, lang: SnippetLanguage): string {
  switch (lang) {
    case 'curl':
      return curl(request);
    case 'fetch':
      return fetchJs(request);
    case 'python':
      return python(request);
  }
}
