/**
 * Author and check migrations without a database server or native engines.
 *
 *   tsx scripts/migrations.ts new <name>   write prisma/migrations/<timestamp>_<name>/migration.sql
 *   tsx scripts/migrations.ts check        exit 1 when schema.prisma and the migrations disagree
 *
 * Both run `prisma migrate diff` against scratch PGlite databases (prisma.config.ts). That command
 * printed its result and then sometimes did not exit by itself (DESIGN.md), so it runs under a time limit
 * and its output is read here.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

const args = [
  'prisma',
  'migrate',
  'diff',
  '--from-migrations',
  'prisma/migrations',
  '--to-schema-datamodel',
  'prisma/schema.prisma',
  '--script',
];

function diff(): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const sql = out
        .split('\n')
        .filter((l) => !l.startsWith('Loaded Prisma config'))
        .join('\n')
        .trim();
      if (code !== 0 && !sql.startsWith('--'))
        reject(new Error(`prisma migrate diff failed (${code}):\n${err}${out}`));
      else resolvePromise(sql);
    });
  });
}

const EMPTY = /^-- This is an empty migration\.?$/;

const [command, name] = process.argv.slice(2);
const sql = await diff();
const pending = sql !== '' && !EMPTY.test(sql);

if (command === 'check') {
  if (pending) {
    console.error('schema.prisma and prisma/migrations disagree. Missing migration:\n\n' + sql);
    process.exit(1);
  }
  console.log('migrations match schema.prisma');
} else if (command === 'new' && name !== undefined && /^[a-z0-9_]+$/.test(name)) {
  if (!pending) {
    console.log('no changes: nothing to write');
  } else {
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const dir = `prisma/migrations/${stamp}_${name}`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/migration.sql`, sql + '\n');
    console.log(`wrote ${dir}/migration.sql`);
  }
} else {
  console.error('usage: tsx scripts/migrations.ts new <snake_case_name> | check');
  process.exit(2);
}
