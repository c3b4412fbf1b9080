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

/** A buildinfo file's fields; unreadable is exit 2. */
export async function readBuildinfoFields(file: string): Promise<Map<string, string>> {
  const text = await readFile(file, 'utf8').catch((cause: Error) => {
    throw new TwinbuildError('usage', `cannot read buildinfo ${file}: ${cause.message}`, { cause });
  });
  return parseDeb822(text);
}

export async function readBuildinfo(file: string): Promise<Buildinfo> {
  return buildinfoOf(file, await readBuildinfoFields(file));
}

/** What a rebuild pins and checks against, from the fields of `file`. */
export function buildinfoOf(file: string, f: Map<string, string>): Buildinfo {
  if (!f.has('Checksums-Sha256'))
    throw new TwinbuildError('usage', `${file} is not a .buildinfo (no Checksums-Sha256 field)`);
  const lines = (name: string) =>
    (f.get(name) ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  const environment = Object.fromEntries(
    lines('Environment')
      .map((l) => /^([A-Za-z_][A-Za-z0-9_]*)="(.*)"$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!.replace(/\\(.)/g, '$1')]),
  );
  const sha256 = Object.fromEntries(
    lines('Checksums-Sha256')
      .map((l) => l.split(/\s+/))
      .filter((p) => p.length === 3)
      .map(([sum, , name]) => [name!, sum!]),
  );
  const buildDepends = Object.fromEntries(
    (f.get('Installed-Build-Depends') ?? '')
      .split(',')
      .map((d) => /^\s*([^\s(]+)\s*\(=\s*([^)]+)\)/.exec(d))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!.trim()]),
  );
  return {
    file,
    source: f.get('Source')?.split(' ')[0] ?? null,
    version: f.get('Version') ?? null,
    architecture: f.get('Architecture') ?? null,
    buildPath: f.get('Build-Path') ?? null,
    environment,
    sha256,
    buildDepends,
  };
}

// A rebuild runs as root: the buildinfo (untrusted input) may set only variables
// that describe the build, never ones that choose programs, libraries or files
// (PATH, LD_PRELOAD, BASH_ENV, CC, CFLAGS' plugins, FAKETIME_*…). Values are
// checked too: a locale or TZ holding a path would load a file of the input's choosing.
const PLAIN_NAME = /^[A-Za-z0-9_.@+-]*$/;
const LOCALE_VARIABLES = [
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_ADDRESS',
  'LC_COLLATE',
  'LC_CTYPE',
  'LC_IDENTIFICATION',
  'LC_MEASUREMENT',
  'LC_MESSAGES',
  'LC_MONETARY',
  'LC_NAME',
  'LC_NUMERIC',
  'LC_PAPER',
  'LC_TELEPHONE',
  'LC_TIME',
];
const TAKEN: Readonly<Record<string, Readonly<{ value: RegExp; what: string }>>> = {
  SOURCE_DATE_EPOCH: { value: /^\d{1,12}$/, what: 'a number of seconds' },
  DEB_BUILD_OPTIONS: { value: /^[\x20-\x7e]*$/, what: 'printable text' },
  DEB_BUILD_PROFILES: { value: /^[\x20-\x7e]*$/, what: 'printable text' },
  TZ: { value: /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/, what: 'a zone name (no path)' },
  ...Object.fromEntries(
    LOCALE_VARIABLES.map((name) => [
      name,
      { value: name === 'LANGUAGE' ? /^[A-Za-z0-9_.@:+-]*$/ : PLAIN_NAME, what: 'a locale name (no path)' },
    ]),
  ),
};

/** The variables a rebuild takes from a buildinfo's Environment (the allowlist, for --help and the README). */
export const REBUILD_VARIABLES: readonly string[] = Object.keys(TAKEN);

export type RebuildEnvironment = Readonly<{
  /** What the rebuild is given. */
  taken: Readonly<Record<string, string>>;
  /** One line per refused variable, for results.json's verify.notPinned. */
  refused: readonly string[];
}>;

export function rebuildEnvironment(environment: Readonly<Record<string, string>>): RebuildEnvironment {
  const taken: Record<string, string> = {};
  const refused: string[] = [];
  for (const [name, value] of Object.entries(environment)) {
    const rule = TAKEN[name];
    if (name === 'PATH') refused.push('PATH from the buildinfo (not taken: twinbuild keeps its own)');
    else if (!rule) refused.push(`${name} from the buildinfo (not taken: not a variable a rebuild takes)`);
    else if (!rule.value.test(value))
      refused.push(`${name} from the buildinfo (not taken: its value is not ${rule.what})`);
    else taken[name] = value;
  }
  return { taken, refused };
}
