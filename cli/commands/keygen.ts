// `twinbuild keygen [--out PREFIX]`: an ed25519 key pair for signing in-toto links.
import { stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSigningKey } from '../../attest/keys.js';
import { canonicalJson } from '../../attest/canonical-json.js';
import { TwinbuildError } from '../../core/errors.js';
import type { Command } from '../command.js';

export const KEYGEN_HELP = `Usage: twinbuild keygen [--out PREFIX]

Creates an ed25519 key pair for signing the in-toto links of twinbuild verify:
  PREFIX           the private key (PEM, PKCS#8, mode 0600): pass it to --signing-key
  PREFIX.pub       the public key (PEM)
  PREFIX.pub.json  the public key in securesystemslib's JSON format, for in-toto
                   layouts and in-toto-verify -t ed25519
Prints the keyid. Never overwrites an existing file. PREFIX defaults to twinbuild-key.
`;

export const keygenCommand: Command = { help: KEYGEN_HELP, run: runKeygen };

async function runKeygen(args: string[], { env, stdout }: Parameters<Command['run']>[1]): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: 'string' } }, strict: true });
  const prefix = resolve(env.cwd, values.out ?? 'twinbuild-key');
  const key = generateSigningKey();
  const files: [string, string, number][] = [
    [prefix, key.privatePem, 0o600],
    [`${prefix}.pub`, key.publicPem, 0o644],
    [`${prefix}.pub.json`, canonicalJson(key.meta) + '\n', 0o644],
  ];
  for (const [path] of files) {
    if (
      await stat(path).then(
        () => true,
        () => false,
      )
    )
      throw new TwinbuildError('usage', `${path} exists; not overwriting a key (choose another --out)`);
  }
  for (const [path, content, mode] of files) {
    try {
      await writeFile(path, content, { mode, flag: 'wx' });
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      throw new TwinbuildError(
        'usage',
        code === 'EEXIST'
          ? `${path} exists; not overwriting a key (choose another --out)`
          : `cannot write ${path}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  stdout.write(
    `keyid ${key.keyid}\nprivate key ${prefix} (keep it secret), public key ${prefix}.pub and ${prefix}.pub.json\n`,
  );
  return 0;
}
