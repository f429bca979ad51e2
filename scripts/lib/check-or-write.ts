import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a generated artifact, or with --check compares it with the committed file and exits 1 when
 * they differ (CI's staleness check).
 */
export function checkOrWrite(files: { path: string; content: string }[], argv = process.argv.slice(2)): void {
  const check = argv.includes('--check');
  let stale = 0;
  for (const { path, content } of files) {
    const current = existsSync(path) ? readFileSync(path, 'utf8') : null;
    if (check) {
      if (current !== content) {
        console.error(`${path} is stale: run the generator and commit the result`);
        stale++;
      }
    } else if (current !== content) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
      console.log(`wrote ${path}`);
    }
  }
  if (check && stale > 0) process.exit(1);
  if (check) console.log(`${files.length} file(s) up to date`);
}
