import { hash, verify } from '@node-rs/argon2';

/** Argon2id with the library's defaults (memory-hard; parameters are stored in the hash itself). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** Constant-time check of a password against a stored argon2 hash; a malformed hash is a mismatch. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * A fixed hash verified when the email is unknown, so a wrong email takes as long as a wrong
 * password and sign-in timing does not reveal which emails have accounts.
 */
let dummyHash: Promise<string> | undefined;
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hash('tierdesk-no-such-agent-password');
  await verifyPassword(await dummyHash, password);
  return false;
}
