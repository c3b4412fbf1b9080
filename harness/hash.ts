// Streaming SHA-256: constant memory whatever the artifact's size.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

// 1 MiB reads keep syscall overhead low on multi-GB artifacts.
const CHUNK = 1 << 20;

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: CHUNK }), hash);
  return hash.digest('hex');
}
