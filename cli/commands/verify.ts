// `twinbuild verify`: rebuild published packages and say whether they match,
// with an in-toto link on a match. One upload, or a directory of them.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hashTree, writeRebuildLink, type Digests } from '../../attest/link.js';
import { loadSigningKey } from '../../attest/keys.js';
import { sha256File } from '../../core/hash.js';
import { parseDeb822 } from '../../rebuilder/buildinfo.js';
import { findUploads } from '../../rebuilder/bulk.js';
import { runVerify } from '../../rebuilder/verify.js';
import { SCHEMA, exitCodeFor, summarise, type PackageResult, type RunResult } from '../../reports/model.js';
import { formatVerdict } from '../../reports/console.js';
import { formatSweep } from '../../reports/sweep-console.js';
import { writeReports } from '../../reports/write.js';
import { inShard, parseShard } from '../../suites/shard.js';
import { runSweep } from '../../suites/sweep.js';
import { usageError } from '../../core/errors.js';
import type { CheckOptions } from '../../engine/options.js';
import { parsePositiveInt } from '../../engine/options.js';
import { realProcesses } from '../../adapters/process.js';
import { VERSION } from '../../core/paths.js';
import { checkOptionsFor, displayPath, hostInfo } from './check.js';

export const VERIFY_HELP = `Usage: twinbuild verify SOURCE --published FILE... [--buildinfo FILE] [options]
       twinbuild verify --dir DIR [--jobs N] [--shard I/N] [options]

Rebuilds SOURCE (a directory or a Debian .dsc) once and compares every published
artifact (e.g. the official .deb files) byte for byte with the rebuilt one.
With --buildinfo (Debian .buildinfo) the rebuild takes its Environment
(SOURCE_DATE_EPOCH, DEB_BUILD_OPTIONS, LANG…), the published files are checked
against its Checksums-Sha256 (a disagreement is exit 2), and Installed-Build-Depends
that differ on this machine are listed as a likely cause of a mismatch (they are
not fetched: no snapshot archive access is assumed). Build-Path is not pinned.
On a match, with --signing-key, writes an in-toto link OUT/rebuild.<keyid8>.link
(materials: the source; products: the published artifacts).

--dir DIR verifies every .dsc in DIR against the .deb/.udeb files of its Binary
packages and its .buildinfo, with the sweep's machinery (jobs, shards, one report set).

Options:
  --published FILE       a published artifact (repeatable)
  --buildinfo FILE       the .buildinfo the published artifacts were built with
  --signing-key KEY      ed25519 private key (PEM) for the in-toto link (twinbuild keygen)
  --preset, --build, --artifacts   as for check (default: auto → debian for a .dsc)
  --out DIR, --timeout D, --env NAME=VALUE, --isolation MODE, --keep, --no-diffoscope,
  --json, --quiet        as for check
  --jobs N, --shard I/N  with --dir: uploads verified at once; this shard only

Exit codes: 0 verified · 1 mismatch · 2 usage (incl. a buildinfo that disagrees with
the published files) · 3 the rebuild failed
`;

const FLAGS = {
  published: { type: 'string', multiple: true }, buildinfo: { type: 'string' }, 'signing-key': { type: 'string' }, dir: { type: 'string' },
  preset: { type: 'string' }, build: { type: 'string' }, artifacts: { type: 'string', multiple: true }, out: { type: 'string' },
  timeout: { type: 'string' }, env: { type: 'string', multiple: true }, isolation: { type: 'string' }, keep: { type: 'boolean' },
  'no-diffoscope': { type: 'boolean' }, json: { type: 'boolean' }, quiet: { type: 'boolean' }, jobs: { type: 'string' }, shard: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof FLAGS; allowPositionals: true }>>['values'];

// Note: for a .dsc, the materials are the .dsc and the files it lists (Checksums-Sha256).
async function materialsOf(source: string): Promise<Digests> {
  if (!source.endsWith('.dsc')) return hashTree(source);
  const listed = (parseDeb822(await readFile(source, 'utf8')).get('Checksums-Sha256') ?? '').split('\n').map((l) => l.trim().split(/\s+/)[2]).filter((n): n is string => !!n);
  const files = [basename(source), ...listed];
  return Object.fromEntries(await Promise.all(files.map(async (f) => [f, { sha256: await sha256File(join(dirname(source), f)) }] as const)));
}

async function verifyOne(options: CheckOptions, published: readonly string[], buildinfo: string | null, values: Values, linkDir: string, signal: AbortSignal): Promise<PackageResult> {
  const note = values.quiet || values.json ? () => {} : (line: string) => process.stderr.write(`twinbuild: ${options.name}: ${line}\n`);
  const { result, cleanup } = await runVerify({ options, published, buildinfo }, { runner: realProcesses, signal, note });
  try {
    if (result.verdict !== 'verified' || !values['signing-key']) return result;
    const link = await writeRebuildLink({
      outDir: linkDir,
      signingKeyPath: values['signing-key'],
      name: 'rebuild',
      materials: await materialsOf(options.source),
      products: Object.fromEntries(result.artifacts.map((a) => [a.path, { sha256: a.sha256.control! }])),
      command: result.builds.experiment?.command ?? [],
      byproducts: { stdout: '', stderr: '', 'return-value': result.builds.experiment?.exitCode ?? 0 },
    });
    const rel = (path: string) => relative(options.outDir, path);
    return { ...result, verify: { ...result.verify!, link: rel(link.path), statement: rel(link.statement) } };
  } finally {
    await cleanup();
  }
}

export async function runVerifyCommand(args: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: FLAGS, allowPositionals: true, strict: true });
  const outDir = resolve(values.out ?? 'twinbuild-out');
  // A bad key is exit 2 before any rebuild, not after.
  if (values['signing-key']) await loadSigningKey(values['signing-key']);
  const common = { ...values, vary: ['-all'], out: outDir, 'no-bisect': true };
  const startedAt = new Date().toISOString();
  let packages: PackageResult[];
  let notFinished: string[] = [];
  if (values.dir) {
    if (positionals.length > 0 || values.published) throw usageError('verify --dir takes no SOURCE or --published: it pairs each .dsc with its files');
    const shard = parseShard(values.shard);
    const uploads = (await findUploads(resolve(values.dir))).filter((u) => inShard(u.name, shard));
    const byName = new Map(uploads.map((u) => [u.name, u]));
    const jobs = values.jobs !== undefined ? parsePositiveInt(values.jobs, '--jobs', 256) : Math.max(1, Math.floor(availableParallelism() / 2));
    const items = await Promise.all(uploads.map(async (u) => ({ options: await checkOptionsFor(u.dsc, { preset: values.preset, name: u.name }, { ...common, quiet: true }) })));
    const progress = values.quiet || values.json ? () => {} : (line: string) => process.stderr.write(`twinbuild: ${line}\n`);
    const outcome = await runSweep(items, {
      outDir, jobs, ignores: [],
      check: (options, s) => verifyOne(options, byName.get(options.name)!.published, byName.get(options.name)!.buildinfo, { ...values, quiet: true }, join(outDir, 'links', options.name), s),
    }, { runner: realProcesses, signal, progress });
    packages = outcome.packages;
    notFinished = outcome.notFinished;
  } else {
    if (positionals.length !== 1) throw usageError('verify takes one SOURCE (a directory or a .dsc), or --dir DIR');
    if (!values.published?.length) throw usageError('verify needs --published FILE (the artifacts to verify), repeatable');
    const options = await checkOptionsFor(positionals[0]!, { preset: values.preset, build: values.build, artifacts: values.artifacts }, common);
    packages = [await verifyOne(options, values.published.map((p) => resolve(p)), values.buildinfo ? resolve(values.buildinfo) : null, values, outDir, signal)];
  }
  const result: RunResult = {
    schema: SCHEMA, tool: { name: 'twinbuild', version: VERSION }, command: 'verify', startedAt, finishedAt: new Date().toISOString(), seed: 0, host: hostInfo(),
    packages, summary: summarise(packages), exitCode: exitCodeFor(packages),
    ...(signal.aborted ? { incomplete: { reason: 'interrupted', notFinished } } : {}),
  };
  await writeReports(outDir, result);
  const shown = displayPath(outDir);
  process.stdout.write(values.json ? JSON.stringify(result, null, 2) + '\n' : values.dir ? formatSweep(result, shown, values.quiet ?? false) : formatVerdict(result, shown, values.quiet ?? false));
  return result.exitCode;
}
