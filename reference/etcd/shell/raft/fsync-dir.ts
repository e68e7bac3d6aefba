import { open } from 'node:fs/promises';

/** Make a file creation, rename or deletion in `dir` durable (POSIX needs the directory synced). */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
