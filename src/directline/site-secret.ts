import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** Where the generated secret lives inside DATA_DIR. */
export const GENERATED_SECRET_FILE = 'directline-secret';

const secretSchema = z.string().trim().min(32, 'must be at least 32 characters');

/**
 * The Direct Line site secret: DIRECTLINE_SECRET when configured; otherwise one generated on first
 * start and kept in DATA_DIR, so a fresh clone works and tokens stay valid across restarts.
 */
export function resolveSiteSecret(configured: string | undefined, dataDir: string): string {
  if (configured !== undefined) return configured;
  const file = path.join(dataDir, GENERATED_SECRET_FILE);
  try {
    const stored = secretSchema.safeParse(readFileSync(file, 'utf8'));
    if (stored.success) return stored.data;
    throw new Error(`${file} does not hold a usable Direct Line secret (${stored.error.issues[0]?.message}); delete it to generate a new one.`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(48).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  // 'wx': never overwrite a secret another process wrote a moment ago; 0600: only the bot's user reads it.
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return secretSchema.parse(readFileSync(file, 'utf8'));
    throw error;
  }
}
