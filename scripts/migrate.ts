/** `npm run db:migrate`: applies pending migrations to the configured database (embedded or DATABASE_URL). */
import { ConfigError, loadConfig } from '../src/config/env.js';
import { openDatabase } from '../src/store/database.js';
import { migrate } from '../src/store/migrate.js';

try {
  const config = loadConfig(process.env);
  const db = await openDatabase(config.database);
  try {
    const applied = await migrate(db.sql);
    console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await db.close();
  }
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
