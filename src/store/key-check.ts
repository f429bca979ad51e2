import type { Cipher } from '../platform/crypto.js';
import type { SqlRunner } from './migrate.js';

/**
 * The key check value (issue #11): a constant encrypted with the ENCRYPTION_KEY the data was first written
 * with, in `gateway_meta` (owned here). A start with another key fails to decrypt it and is refused with the
 * fix, instead of starting "ready" and failing every job with "unable to authenticate data".
 */
const KEY = 'key_check';
const PLAINTEXT = 'clockify-webhook-gateway key check v1';

export class KeyMismatchError extends Error {
  override readonly name = 'KeyMismatchError';
}

export async function verifyEncryptionKey(
  sql: Pick<SqlRunner, 'query'>,
  cipher: Cipher,
  keySource: string,
): Promise<'recorded' | 'matches'> {
  const read = async () =>
    (await sql.query<{ value: string }>('SELECT value FROM gateway_meta WHERE key = $1', [KEY]))[0]?.value;
  let stored = await read();
  let recorded = false;
  if (stored === undefined) {
    // Another instance may record its own at the same moment: the first one wins, everyone checks it.
    await sql.query('INSERT INTO gateway_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
      KEY,
      cipher.encrypt(PLAINTEXT),
    ]);
    stored = await read();
    recorded = true;
  }
  let plain: string | undefined;
  try {
    plain = cipher.decrypt(stored ?? '');
  } catch {
    plain = undefined;
  }
  if (plain !== PLAINTEXT) {
    throw new KeyMismatchError(
      `the encryption key (${keySource}) does not decrypt the data in this database, which was written with another key: ` +
        'start with the key the data was written with (ENCRYPTION_KEY, or the embedded default DATA_DIR/encryption.key)',
    );
  }
  return recorded ? 'recorded' : 'matches';
}
