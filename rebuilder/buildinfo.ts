// Debian .buildinfo files (deb822, possibly inside a PGP clear-signature): the
// fields a rebuild pins and checks against.
import { readFile } from 'node:fs/promises';
import { TwinbuildError } from '../core/errors.js';

export type Buildinfo = Readonly<{
  file: string;
  source: string | null;
  version: string | null;
  architecture: string | null;
  buildPath: string | null;
  /** From the Environment field, e.g. SOURCE_DATE_EPOCH, DEB_BUILD_OPTIONS, LANG. */
  environment: Readonly<Record<string, string>>;
  /** File name → sha256, from Checksums-Sha256. */
  sha256: Readonly<Record<string, string>>;
  /** Package → version, from Installed-Build-Depends. */
  buildDepends: Readonly<Record<string, string>>;
}>;

/** Field name → value (continuation lines joined with \n, leading space removed). */
export function parseDeb822(text: string): Map<string, string> {
  const body = text.includes('-----BEGIN PGP SIGNED MESSAGE-----')
    ? text.split('\n\n').slice(1).join('\n\n').split('-----BEGIN PGP SIGNATURE-----')[0]!
    : text;
  const fields = new Map<string, string>();
  let current: string | null = null;
  for (const line of body.split('\n')) {
    if (/^\s/.test(line) && current) fields.set(current, `${fields.get(current)}\n${line.replace(/^ /, '')}`);
    else {
      const match = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
      if (match) fields.set((current = match[1]!), match[2]!);
    }
  }
  return fields;
}

export async function readBuildinfo(file: string): Promise<Buildinfo> {
  const text = await readFile(file, 'utf8').catch((cause: Error) => {
    throw new TwinbuildError('usage', `cannot read buildinfo ${file}: ${cause.message}`, { cause });
  });
  const f = parseDeb822(text);
  if (!f.has('Checksums-Sha256')) throw new TwinbuildError('usage', `${file} is not a .buildinfo (no Checksums-Sha256 field)`);
  const lines = (name: string) => (f.get(name) ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const environment = Object.fromEntries(
    lines('Environment').map((l) => /^([A-Za-z_][A-Za-z0-9_]*)="(.*)"$/.exec(l)).filter((m): m is RegExpExecArray => m !== null).map((m) => [m[1]!, m[2]!.replace(/\\(.)/g, '$1')]),
  );
  const sha256 = Object.fromEntries(lines('Checksums-Sha256').map((l) => l.split(/\s+/)).filter((p) => p.length === 3).map(([sum, , name]) => [name!, sum!]));
  const buildDepends = Object.fromEntries(
    (f.get('Installed-Build-Depends') ?? '').split(',').map((d) => /^\s*([^\s(]+)\s*\(=\s*([^)]+)\)/.exec(d)).filter((m): m is RegExpExecArray => m !== null).map((m) => [m[1]!, m[2]!.trim()]),
  );
  return {
    file, source: f.get('Source')?.split(' ')[0] ?? null, version: f.get('Version') ?? null, architecture: f.get('Architecture') ?? null,
    buildPath: f.get('Build-Path') ?? null, environment, sha256, buildDepends,
  };
}
