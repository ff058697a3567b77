import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a file so that no reader ever sees it half-written, and a crash leaves the old file or
 * none: the content goes to a temporary name beside it, then is renamed into place (atomic on one
 * file system). The temporary name is unique per process and call, so two processes (or two
 * calls) writing the same file on one DATA_DIR never write into each other's temporary file; the
 * last rename wins with a whole file. On failure the temporary file is removed.
 */
export async function writeFileAtomically(file: string, content: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(temporary, content);
    await rename(temporary, file);
  } catch (error) {
    // A full disk, or a folder in the file's place: no half-written temporary file left behind.
    await rm(temporary, { force: true });
    throw error;
  }
}
