// SHA-256 of a file: streamed (constant memory, any size) for large files,
// read in one go for small ones, where a stream's set-up would dominate.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

// 1 MiB reads keep syscall overhead low on multi-GB artifacts.
const CHUNK = 1 << 20;
const SMALL = 1 << 20;

export async function sha256File(path: string | Buffer, size = Infinity): Promise<string> {
  const hash = createHash('sha256');
  if (size <= SMALL) return hash.update(await readFile(path)).digest('hex');
  await pipeline(createReadStream(path, { highWaterMark: CHUNK }), hash);
  return hash.digest('hex');
}
