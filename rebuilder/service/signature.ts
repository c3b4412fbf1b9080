// A repository's signature, checked with gpgv (Debian's gpgv package) against the
// keyring its config names: apt's InRelease (clear-signed) or Release with
// Release.gpg, an RPM repository's repomd.xml with repomd.xml.asc. Only what gpgv
// reports as signed by a key of that keyring is read on: for InRelease, the text
// gpgv writes out, never the file as served.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TwinbuildError } from '../../core/errors.js';
import type { ProcessRunner } from '../../adapters/process.js';

/** Checks `signature` over `data` (or, with `signature` null, the clear-signed `data`); returns the signed bytes. */
export type CheckSignature = (what: string, keyring: string, data: Buffer, signature: Buffer | null) => Promise<Buffer>;

const refused = (what: string, why: string) =>
  new TwinbuildError('setup-failed', `${what}: the signature is refused: ${why}`);

// Note: gpgv exits 0 on a good signature even by an expired or revoked key; its status lines say which, as apt reads them.
export function gpgvChecker(runner: ProcessRunner, workRoot: string): CheckSignature {
  return async (what, keyring, data, signature) => {
    await mkdir(workRoot, { recursive: true });
    const dir = await mkdtemp(join(workRoot, 'gpgv-'));
    try {
      const [signed, sig, out] = [join(dir, 'data'), join(dir, 'data.sig'), join(dir, 'out')];
      await writeFile(signed, data);
      if (signature) await writeFile(sig, signature);
      const argv = ['gpgv', '--homedir', dir, '--status-fd', '1', '--keyring', keyring];
      const run = await runner.capture(signature ? [...argv, sig, signed] : [...argv, '--output', out, signed], {
        timeoutMs: 60_000,
      });
      const status = run.stdout.split('\n').filter((l) => l.startsWith('[GNUPG:] '));
      const bad = status.find((l) => /^\[GNUPG:\] (BADSIG|EXPKEYSIG|REVKEYSIG|EXPSIG|ERRSIG|NO_PUBKEY)\b/.test(l));
      if (run.exitCode !== 0 || bad || !status.some((l) => l.startsWith('[GNUPG:] VALIDSIG ')))
        throw refused(
          what,
          `${(bad ?? '').replace('[GNUPG:] ', '') || `gpgv exit ${run.exitCode}`}` +
            ` (${run.stderr.trim().split('\n').slice(-1)[0] ?? ''}; keyring ${keyring})`,
        );
      return signature ? data : await readFile(out);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
