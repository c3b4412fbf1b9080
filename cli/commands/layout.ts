// `twinbuild layout`: the in-toto root layout that makes apt and dnf trust
// twinbuild rebuilders (attest/layout.ts): unsigned, for the owner to sign with
// GPG (what apt accepts), or signed with the owner's ed25519 key (--sign-key; what
// the dnf plugin and in-toto-verify accept).
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TwinbuildError, usageError } from '../../core/errors.js';
import { canonicalJson } from '../../attest/canonical-json.js';
import { loadSigningKey, signBytes, type SigningKey } from '../../attest/keys.js';
import { parsePublicKey, rebuildLayout } from '../../attest/layout.js';
import type { Command } from '../command.js';
import { parseFlags } from '../flags.js';
import { parsePositiveInt } from '../parse.js';

export const LAYOUT_HELP = `Usage: twinbuild layout --rebuilder-key KEY.pub.json [--rebuilder-key …] [--threshold N]
                        [--expires DATE|DAYSd] [--packages deb|rpm] [--sign-key KEY] --out root.layout

Writes the unsigned in-toto root layout apt-transport-in-toto verifies every
downloaded .deb against: a "rebuild" step (expected products CREATE *.deb,
DISALLOW *.deb) whose links must come from N of the given rebuilder keys, all
agreeing, and the inspection "verify-reprobuilds" (the downloaded .deb MATCHes
*.deb WITH PRODUCTS FROM rebuild). apt only accepts a GPG-signed layout; sign it:
  in-toto-sign -f root.layout --gpg <owner fingerprint> [--gpg-home DIR]
and list that fingerprint in APT::Intoto::Keyids (docs/rebuilder.md: "A rebuilder apt trusts").
With --packages rpm the same layout covers *.rpm, for links a rebuilder publishes
from an RPM repository, which dnf checks with the plugin in dnf-plugin/ (docs/dnf.md).
That plugin and in-toto-verify also accept a layout signed with an ed25519 key of
twinbuild keygen: --sign-key signs it with the owner's private key.

Options:
  --rebuilder-key FILE   a rebuilder's public key, the .pub.json of twinbuild keygen (repeatable)
  --threshold N          how many rebuilders must have published a matching link (default 1)
  --packages deb|rpm     the package files the layout covers (default deb)
  --expires WHEN         2027-01-01, 2027-01-01T00:00:00Z or a number of days like 365d (default 365d)
  --out FILE             where to write the layout (required; an existing file is not overwritten
                         unless --force)
  --sign-key FILE        sign the layout with this private key of twinbuild keygen (the owner's)
  --force                overwrite --out
`;

function parseExpires(text: string | undefined, now: number): Date {
  const value = text ?? '365d';
  const days = /^(\d{1,5})d$/.exec(value);
  const date = days
    ? new Date(now + Number(days[1]) * 86_400_000)
    : /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?Z)?$/.test(value)
      ? new Date(value)
      : null;
  if (!date || Number.isNaN(date.getTime()))
    throw usageError(
      `--expires expects a date like 2027-01-01 or 2027-01-01T00:00:00Z, or days like 365d, got "${value.slice(0, 100)}"`,
    );
  if (date.getTime() <= now) throw usageError(`--expires ${value} is in the past: apt would refuse the layout`);
  return date;
}

async function ownerKey(path: string): Promise<SigningKey> {
  try {
    return await loadSigningKey(path);
  } catch (cause) {
    if (cause instanceof TwinbuildError) throw cause;
    throw usageError(`cannot read --sign-key ${path}: ${(cause as Error).message}`, cause);
  }
}

export const layoutCommand: Command = {
  help: LAYOUT_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, [
      'rebuilder-key',
      'threshold',
      'expires',
      'packages',
      'out',
      'sign-key',
      'force',
    ]);
    if (positionals.length > 0) throw usageError(`layout takes no positional arguments, got "${positionals[0]}"`);
    const keys = values['rebuilder-key'] ?? [];
    if (keys.length === 0) throw usageError('layout needs at least one --rebuilder-key FILE.pub.json');
    if (!values.out) throw usageError('layout needs --out FILE');
    const rebuilders = await Promise.all(
      keys.map(async (k) => {
        const path = resolve(ctx.env.cwd, k);
        const text = await readFile(path, 'utf8').catch((cause: Error) => {
          throw usageError(`cannot read --rebuilder-key ${path}: ${cause.message}`, cause);
        });
        return parsePublicKey(text, path);
      }),
    );
    const threshold = values.threshold === undefined ? 1 : parsePositiveInt(values.threshold, '--threshold', 1000);
    const packages = values.packages ?? 'deb';
    if (packages !== 'deb' && packages !== 'rpm')
      throw usageError(`--packages expects deb or rpm, got "${packages.slice(0, 100)}"`);
    const layout = rebuildLayout({
      rebuilders,
      threshold,
      packages,
      expires: parseExpires(values.expires, Date.now()),
      readme: `twinbuild rebuilders: each .${packages} must match what the rebuilders built from its source`,
    });
    const signer =
      values['sign-key'] === undefined ? undefined : await ownerKey(resolve(ctx.env.cwd, values['sign-key']));
    const written = signer
      ? { signed: layout.signed, signatures: [signBytes(signer, canonicalJson(layout.signed))] }
      : layout;
    const out = resolve(ctx.env.cwd, values.out);
    try {
      await writeFile(out, JSON.stringify(written, null, 2) + '\n', { flag: values.force ? 'w' : 'wx' });
    } catch (cause) {
      const exists = (cause as NodeJS.ErrnoException).code === 'EEXIST';
      throw new TwinbuildError(
        'usage',
        exists
          ? `${out} exists; not overwriting it (--force to replace)`
          : `cannot write ${out}: ${(cause as Error).message}`,
        { cause },
      );
    }
    const counts = `${rebuilders.length} rebuilder key${rebuilders.length === 1 ? '' : 's'}, threshold ${threshold}`;
    ctx.stdout.write(
      signer
        ? `wrote ${out} (signed by ${signer.keyid.slice(0, 8)}; ${counts})\n`
        : `wrote ${out} (unsigned; ${counts})\nsign it: in-toto-sign -f ${out} --gpg <owner fingerprint>\n`,
    );
    return 0;
  },
};
