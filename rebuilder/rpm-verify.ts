// What verify adds for published RPMs: BUILDHOST and BUILDTIME taken from the
// published headers into the rebuild (rpm macros and SOURCE_DATE_EPOCH), and a
// signed RPM compared with its signature header set aside.
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { TwinbuildError } from '../core/errors.js';
import { readRpmHeader, type RpmHeader } from '../adapters/rpm.js';
import type { ProcessRunner } from '../adapters/process.js';
import { sha256WithoutRpmSignature, type Published } from '../engine/compare/published.js';
import type { PackageOptions } from '../engine/options.js';
import { rpmBuildPath } from './rpm-build-path.js';

export type RpmRebuild = Readonly<{
  options: PackageOptions;
  published: Published;
  /** What the rebuild took from the published headers. */
  pinned: Readonly<Record<string, string>>;
  /** What was not taken, and which signature headers were set aside. */
  notes: readonly string[];
}>;

// The header is untrusted input: its values reach rpm's macro expansion, so a
// host name may hold no % (a macro), quote or space, and a time only digits.
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
const SECONDS = /^\d{1,12}$/;

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

async function readPublishedRpm(
  runner: ProcessRunner,
  name: string,
  file: string,
): Promise<{ header: RpmHeader; withoutSignature: string }> {
  const handle = await open(file, 'r');
  try {
    const withoutSignature = await sha256WithoutRpmSignature(handle, (await handle.stat()).size);
    if (!withoutSignature)
      throw new TwinbuildError('usage', `published file ${name} is not an RPM package (no RPM lead and header magic)`);
    return { header: await readRpmHeader(runner, file), withoutSignature };
  } finally {
    await handle.close();
  }
}

/** One value all published RPMs agree on (one build made them all), or null with a note when they do not or it is not plain. */
function agreed(
  headers: readonly RpmHeader[],
  field: 'buildHost' | 'buildTime',
  plain: RegExp,
  notes: string[],
): string | null {
  const values = [...new Set(headers.map((h) => h[field]))];
  const tag = field === 'buildHost' ? 'BUILDHOST' : 'BUILDTIME';
  if (values.length > 1) notes.push(`${tag} (the published RPMs disagree: ${values.join(', ')})`);
  else if (!plain.test(values[0]!))
    notes.push(
      `${tag} ${JSON.stringify(values[0])} (not taken: not ${field === 'buildHost' ? 'a plain host name' : 'a number of seconds'})`,
    );
  else return values[0]!;
  return null;
}

// Note: the macros go at the end of the preset's rpmbuild command (popt takes
// options after the spec), so they win over --rpm-reproducible-macros' own
// _buildhost. A command the user gave (--build) is left alone, and said so.
export async function prepareRpmRebuild(
  runner: ProcessRunner,
  options: PackageOptions,
  published: Published,
  buildinfoPath: string | null = null,
): Promise<RpmRebuild> {
  const read = await Promise.all(
    [...published].map(async ([name, p]) => ({ name, p, ...(await readPublishedRpm(runner, name, p.file)) })),
  );
  const notes: string[] = [];
  const withAside = new Map([...published]);
  for (const { name, p, header, withoutSignature } of read) {
    if (!header.signature) continue;
    withAside.set(name, { ...p, withoutRpmSignature: { sha256: withoutSignature } });
    notes.push(
      `${basename(name)}: its signature header (${header.signature}) is set aside: the lead, header and payload are compared byte for byte`,
    );
  }
  const host = agreed(
    read.map((r) => r.header),
    'buildHost',
    HOST_NAME,
    notes,
  );
  const time = agreed(
    read.map((r) => r.header),
    'buildTime',
    SECONDS,
    notes,
  );
  const presetCommand = options.preset === 'rpm' && /rpmbuild -bb --nodeps .*\.spec'?$/.test(options.build);
  if (!presetCommand) {
    notes.push(
      "BUILDHOST, BUILDTIME and the build path (not taken: the build command is not the rpm preset's rpmbuild)",
    );
    return { options, published: withAside, pinned: {}, notes };
  }
  const macros: Record<string, string> = {};
  if (host) macros['_buildhost'] = host;
  if (time)
    Object.assign(macros, {
      use_source_date_epoch_as_buildtime: '1',
      clamp_mtime_to_source_date_epoch: '1',
      build_mtime_policy: 'clamp_to_source_date_epoch',
    });
  const defines = Object.entries(macros)
    .map(([k, v]) => ` --define ${quote(`${k} ${v}`)}`)
    .join('');
  // The preset's rpmbuild sets _topdir to the directory it runs in: the pinned build path.
  const buildPath = await rpmBuildPath(runner, options, published, buildinfoPath);
  notes.push(...buildPath.notes);
  const pinned = {
    ...(time ? { SOURCE_DATE_EPOCH: time } : {}),
    ...Object.fromEntries(Object.entries(macros).map(([k, v]) => [`%${k}`, v])),
    ...buildPath.pinned,
  };
  return {
    options: {
      ...options,
      ...(buildPath.path ? { buildPath: buildPath.path } : {}),
      build: options.build + defines,
      env: { ...options.env, ...(time ? { SOURCE_DATE_EPOCH: time } : {}) },
    },
    published: withAside,
    pinned,
    notes,
  };
}
