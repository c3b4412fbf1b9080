// in-toto link metadata for a rebuild: materials (the source), products (the
// rebuilt artifacts), the command and byproducts, signed over canonical JSON,
// written as `<step>.<keyid[:8]>.link` for in-toto-verify.
import { lstat, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fg from 'fast-glob';
import pLimit from 'p-limit';
import { sha256File } from '../core/hash.js';
import { canonicalJson, type Canonical } from './canonical-json.js';
import { writeStatement } from './dsse.js';
import type { Digests, LinkInput } from './types.js';
import { loadSigningKey, signBytes, type SigningKey } from './keys.js';

export type { Digests, LinkInput } from './types.js';

/** Every regular file under `dir` (symlinks not followed), by relative POSIX path. */
export async function hashTree(dir: string): Promise<Digests> {
  const files = await fg('**', { cwd: dir, dot: true, onlyFiles: true, followSymbolicLinks: false });
  const limit = pLimit(8);
  const entries = await Promise.all(
    files.sort().map((rel) =>
      limit(async () => {
        const info = await lstat(join(dir, rel));
        return info.isFile() ? ([rel, { sha256: await sha256File(join(dir, rel), info.size) }] as const) : null;
      }),
    ),
  );
  return Object.fromEntries(entries.filter((e) => e !== null));
}

export function signedLink(
  input: LinkInput,
  key: SigningKey,
): { signed: Canonical; signatures: { keyid: string; sig: string }[] } {
  const signed = {
    _type: 'link',
    name: input.name,
    materials: input.materials,
    products: input.products,
    command: [...input.command],
    byproducts: { ...input.byproducts },
    environment: {},
  } as unknown as Canonical;
  return { signatures: [signBytes(key, canonicalJson(signed))], signed };
}

/** Writes `<name>.<keyid8>.link` and, beside it, the same as a DSSE-enveloped in-toto Statement. */
export async function writeRebuildLink(
  options: Readonly<{ outDir: string; signingKeyPath: string } & LinkInput>,
): Promise<{ path: string; statement: string; keyid: string }> {
  const key = await loadSigningKey(options.signingKeyPath);
  const metablock = signedLink(options, key);
  await mkdir(options.outDir, { recursive: true });
  const path = join(options.outDir, `${options.name}.${key.keyid.slice(0, 8)}.link`);
  await writeFile(path, JSON.stringify(metablock, null, 2) + '\n');
  return { path, statement: await writeStatement(options.outDir, key, options), keyid: key.keyid };
}
