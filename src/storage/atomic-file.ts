import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a file so that no reader ever sees it half-written, and a crash leaves the old file or
 * none: the content goes to a temporary name beside it, then is renamed into place (atomic on one
 * file system). The temporary name is unique per process and call, so two processes (or two
 * calls) writing the same file on one DATA_DIR never write into each other's temporary file; the
 * last rename wins with a whole file.
 */
export async function writeFileAtomically(file: string, content: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, file);
}
