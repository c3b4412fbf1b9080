// Shared test helpers: temp fixture packages, running the real CLI, hashing trees.
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realProcesses, type CaptureOutcome } from '../adapters/process.js';
import type { RunResult } from '../reports/model.js';
import { findOnPath } from '../engine/prepare/availability.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO_ROOT, 'bin', 'twinbuild.js');
export const EXAMPLES = join(REPO_ROOT, 'examples');

const created: string[] = [];

/** A fresh temp dir, removed by `cleanupTemp` (call it in an `after` hook). */
export async function tempDir(prefix = 'tb-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export async function cleanupTemp(): Promise<void> {
  await Promise.all(created.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** Creates a package whose build is `sh build.sh` with the given script body. */
export async function fixture(script: string, files: Record<string, string> = {}): Promise<string> {
  const dir = join(await tempDir(), 'pkg');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'build.sh'), `set -eu\nmkdir -p out\n${script}\n`);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

export type CliRun = CaptureOutcome & { out: string; results: () => Promise<RunResult> };

/** Runs the real CLI; `--out` goes to a temp dir unless given. */
export async function runCli(
  args: string[],
  options: { timeoutMs?: number; withOut?: boolean; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const out = join(await tempDir('tb-out-'), 'out');
  const fullArgs = options.withOut === false ? args : [...args, '--out', out];
  const outcome = await realProcesses.capture(['node', CLI, ...fullArgs], {
    timeoutMs: options.timeoutMs ?? 120_000,
    env: { ...process.env, ...options.env } as Record<string, string>,
  });
  return {
    ...outcome,
    out,
    results: async () => JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult,
  };
}

/** The argv of `twinbuild check SOURCE --build 'sh build.sh' --artifacts 'out/**'` plus extra args, for a test that starts it itself. */
export const checkArgv = (source: string, ...extra: string[]) => [
  'node',
  CLI,
  'check',
  source,
  '--build',
  'sh build.sh',
  '--artifacts',
  'out/**',
  ...extra,
];

/** `check SOURCE --build 'sh build.sh' --artifacts 'out/**'` plus extra args. */
export const check = (source: string, ...extra: string[]) =>
  runCli(['check', source, '--build', 'sh build.sh', '--artifacts', 'out/**', '--quiet', ...extra]);

/** Same as `check`, with a private TMPDIR so a test can see what twinbuild left behind. */
export async function checkWithTmp(source: string, ...extra: string[]): Promise<CliRun & { tmp: string }> {
  const tmp = await tempDir('tb-tmp-');
  await chmod(tmp, 0o711); // as /tmp would be: the unprivileged experiment must traverse it
  const run = await runCli(['check', source, '--build', 'sh build.sh', '--artifacts', 'out/**', '--quiet', ...extra], {
    env: { TMPDIR: tmp },
  });
  return { ...run, tmp };
}

/** Content + metadata fingerprint of a whole tree, to prove nothing in it changed. */
export async function hashTree(root: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const info = await lstat(path);
      hash.update(`${path.slice(root.length)}\0${info.mode}\0${info.mtimeMs}\0${info.size}\0`);
      if (info.isSymbolicLink()) hash.update(await readlink(path));
      else if (info.isDirectory()) await walk(path);
      else hash.update(await readFile(path));
    }
  };
  await walk(root);
  return hash.digest('hex');
}

/** Skips with a visible reason locally; fails under CI=true, where every tool must be present. */
export function requireOrSkip(ctx: Mocha.Context, ok: boolean, reason: string): void {
  if (ok) return;
  if (process.env['CI'] === 'true') throw new Error(`required in CI: ${reason}`);
  console.warn(`      skipped: ${reason}`);
  ctx.skip();
}

/**
 * Skips an opt-in test unless it was asked for, with a visible reason, even under
 * CI=true: an expensive test left out on purpose is not a missing tool.
 */
export function optIn(ctx: Mocha.Context, asked: boolean, reason: string): void {
  if (asked) return;
  console.warn(`      skipped (opt-in): ${reason}`);
  ctx.skip();
}

/** A PATH of one directory linking every tool on the current PATH except `hidden`, to simulate a machine without them. */
export async function toolFarm(hidden: readonly string[]): Promise<string> {
  const farm = await tempDir('tb-path-');
  await chmod(farm, 0o755); // the experiment may run as another user
  const seen = new Set<string>(hidden);
  for (const dir of (process.env['PATH'] ?? '').split(':').filter(Boolean)) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (seen.has(name)) continue;
      seen.add(name);
      await symlink(join(dir, name), join(farm, name));
    }
  }
  return farm;
}

/** Where a tool is on this test run's PATH, if anywhere. */
export const onPath = (tool: string) => findOnPath(tool, process.env['PATH'] ?? '');
