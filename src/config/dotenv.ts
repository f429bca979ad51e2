/**
 * A strict `.env` reader. Node's own `process.loadEnvFile` skips lines it cannot read and keeps an
 * unbalanced quote as part of the value; here both stop the start with the line's number.
 *
 * Accepted, one setting per line:  NAME=value  |  export NAME=value  |  NAME="va lue"  |  NAME='va lue'
 * Blank lines and lines starting with `#` are ignored; an unquoted value ends at ` #` (a comment).
 * Double-quoted values understand \n, \r, \t, \" and \\. A quoted value closes on its own line.
 */
export class EnvFileError extends Error {
  override readonly name = 'EnvFileError';
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseEnvFile(text: string, file = '.env'): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const where = `${file} line ${i + 1}`;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq < 0) throw new EnvFileError(`${where}: expected NAME=value, found no "="`);
    const name = line
      .slice(0, eq)
      .trim()
      .replace(/^export\s+/, '');
    if (!NAME.test(name)) {
      throw new EnvFileError(
        `${where}: "${name.slice(0, 40)}" is not a variable name (letters, digits, underscore)`,
      );
    }
    const rest = line.slice(eq + 1).trim();
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      const close = findClosingQuote(rest, quote);
      if (close < 0)
        throw new EnvFileError(`${where}: the value of ${name} opens a ${quote} quote that is not closed`);
      const after = rest.slice(close + 1).trim();
      if (after !== '' && !after.startsWith('#')) {
        throw new EnvFileError(`${where}: unexpected text after the closing ${quote} quote of ${name}`);
      }
      const body = rest.slice(1, close);
      out[name] = quote === '"' ? unescapeDouble(body) : body;
      return;
    }
    const hash = rest.search(/\s#/);
    const value = (hash >= 0 ? rest.slice(0, hash) : rest).trim();
    if (/["']/.test(value[value.length - 1] ?? '') && !/^["']/.test(value)) {
      throw new EnvFileError(`${where}: the value of ${name} ends with a quote it never opened`);
    }
    out[name] = value;
  });
  return out;
}

function findClosingQuote(s: string, quote: string): number {
  for (let i = 1; i < s.length; i++) {
    if (quote === '"' && s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === quote) return i;
  }
  return -1;
}

function unescapeDouble(s: string): string {
  return s.replace(/\\([nrt"\\])/g, (_, c: string) =>
    c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c,
  );
}

/** Applies a parsed file under the environment: a variable the environment already sets wins. */
export function applyEnvFile(values: Record<string, string>, env: NodeJS.ProcessEnv): void {
  for (const [k, v] of Object.entries(values)) if (env[k] === undefined) env[k] = v;
}
