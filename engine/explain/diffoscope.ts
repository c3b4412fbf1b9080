// Explains each differing artifact pair: diffoscope (HTML for the page, text for the
// console and JUnit, JSON for the diagnosis), in parallel under p-limit with a per-file timeout; a built-in
// text diff or hex summary when diffoscope is absent. Never turns a failure into "same".
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import pLimit from 'p-limit';
import type { ArtifactResult, DiffResult } from '../../reports/model.js';
import { runDiffoscope as spawnDiffoscope } from '../../adapters/diffoscope.js';
import type { ProcessRunner } from '../../adapters/process.js';
import { findOnPath } from '../prepare/availability.js';
import { freeBytes } from '../prepare/workspace.js';
import { treeReader, type TreeReader } from '../compare/inside-tree.js';
import { isTwinbuildError } from '../../core/errors.js';

export type DiffOptions = Readonly<{
  outDir: string;
  packageName: string;
  dirs: Readonly<{ control: string; experiment: string }>;
  /** The workspace root: diffoscope runs there on relative paths, so reports read control/… vs experiment/…. */
  root: string;
  timeoutMs: number;
  maxReportBytes: number;
  extraArgs: readonly string[];
  jobs: number;
  signal: AbortSignal;
  toolPath: string;
  tempDir: string;
}>;

const EXCERPT_CHARS = 4000;
const LOW_DISK_BYTES = 16 * 1024 * 1024;

// Note: an unreadable filesystem counts as not low, so only a real shortage turns a diff into an error.
const lowOnDisk = async (dir: string, tempDir: string) => {
  const free = await Promise.all([dir, tempDir].map(async (d) => (await freeBytes(d)) ?? Infinity));
  return Math.min(...free) < LOW_DISK_BYTES;
};
const BUILTIN_MAX_BYTES = 1 << 20;

const excerptOf = (text: string) =>
  text.length > EXCERPT_CHARS
    ? `${text.slice(0, EXCERPT_CHARS)}\n… (truncated, ${text.length} characters in all)`
    : text;

type Trees = Readonly<{ control: TreeReader; experiment: TreeReader }>;

const privateTemp = async (root: string) => {
  const dir = join(root, 'diffoscope-tmp');
  await mkdir(dir, { recursive: true });
  return dir;
};

async function runDiffoscope(
  artifact: ArtifactResult,
  options: DiffOptions,
  runner: ProcessRunner,
  base: string,
  trees: Trees,
): Promise<DiffResult> {
  const [html, text, json, log] = [`${base}.html`, `${base}.txt`, `${base}.json`, `${base}.log`];
  // diffoscope runs as root on the paths: checked again just before, as the hashing checked them.
  await Promise.all([
    trees.control.checkFile(artifact.path, `artifact ${artifact.path}`),
    trees.experiment.checkFile(artifact.path, `artifact ${artifact.path}`),
  ]);
  const outcome = await spawnDiffoscope(runner, {
    pair: [
      relative(options.root, join(options.dirs.control, artifact.path)),
      relative(options.root, join(options.dirs.experiment, artifact.path)),
    ],
    cwd: options.root,
    html: join(options.outDir, html),
    text: join(options.outDir, text),
    json: join(options.outDir, json),
    logFile: join(options.outDir, log),
    maxReportBytes: options.maxReportBytes,
    extraArgs: options.extraArgs,
    toolPath: options.toolPath,
    // Its scratch files (diffoscope_*_out) stay inside the temp root, which is always removed.
    tempDir: await privateTemp(options.root),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  const logText = await readFile(join(options.outDir, log), 'utf8').catch(() => '');
  const report = await readFile(join(options.outDir, text), 'utf8').catch(() => '');
  const common = { artifact: artifact.path, tool: 'diffoscope' as const, log };
  if (outcome.timedOut)
    return {
      ...common,
      status: 'error',
      html: null,
      json: null,
      text: null,
      excerpt: '',
      message: `diffoscope timed out after ${Math.round(options.timeoutMs / 1000)}s`,
    };
  // Note: diffoscope also exits 1 when it runs out of disk; that is an error, not a diff.
  if (
    /No space left on device|ENOSPC/.test(logText) ||
    (outcome.exitCode === 1 && (await lowOnDisk(options.outDir, options.tempDir)))
  ) {
    return {
      ...common,
      status: 'error',
      html: null,
      json: null,
      text: null,
      excerpt: '',
      message: 'diffoscope ran out of disk space',
    };
  }
  if (outcome.exitCode === 1)
    return { ...common, status: 'differences', html, text, json, excerpt: excerptOf(report), message: null };
  if (outcome.exitCode === 0) {
    return {
      ...common,
      status: 'no-differences',
      html: null,
      json: null,
      text: null,
      excerpt: '',
      message: 'diffoscope saw no difference although the bytes differ (it ignores some metadata)',
    };
  }
  const last = logText.trim().split('\n').pop() ?? '';
  return {
    ...common,
    status: 'error',
    html: null,
    json: null,
    text: null,
    excerpt: '',
    message: `diffoscope failed (${outcome.signal ?? `exit ${outcome.exitCode}`}): ${last}`.trim(),
  };
}

async function readPrefix(
  tree: TreeReader,
  rel: string,
  bytes: number,
): Promise<Readonly<{ prefix: Buffer; size: number }>> {
  const { handle, size }: { handle: FileHandle; size: number } = await tree.open(rel, `artifact ${rel}`);
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return { prefix: buffer.subarray(0, bytesRead), size };
  } finally {
    await handle.close();
  }
}

// Without diffoscope: a unified diff for small text files, else the first differing offset with hex context.
async function builtinDiff(
  artifact: ArtifactResult,
  options: DiffOptions,
  base: string,
  trees: Trees,
): Promise<DiffResult> {
  const [c, e] = await Promise.all([
    readPrefix(trees.control, artifact.path, BUILTIN_MAX_BYTES),
    readPrefix(trees.experiment, artifact.path, BUILTIN_MAX_BYTES),
  ]);
  const [cs, es, cb, eb] = [c, e, c.prefix, e.prefix];
  let report: string;
  if (cs.size <= BUILTIN_MAX_BYTES && es.size <= BUILTIN_MAX_BYTES && !cb.includes(0) && !eb.includes(0)) {
    report = createTwoFilesPatch(
      `control/${artifact.path}`,
      `experiment/${artifact.path}`,
      cb.toString('utf8'),
      eb.toString('utf8'),
    );
  } else {
    let offset = 0;
    while (offset < Math.min(cb.length, eb.length) && cb[offset] === eb[offset]) offset++;
    const hex = (b: Buffer) =>
      b
        .subarray(Math.max(0, offset - 16), offset + 16)
        .toString('hex')
        .replace(/(..)/g, '$1 ')
        .trim();
    report =
      `binary files differ (sizes ${cs.size} and ` +
      `${es.size} bytes)\nfirst difference at byte ` +
      `${offset}${offset >= BUILTIN_MAX_BYTES ? ' or later' : ''}\ncontrol:    ` +
      `${hex(cb)}\nexperiment: ${hex(eb)}\n`;
  }
  const text = `${base}.txt`;
  await writeFile(join(options.outDir, text), report);
  return {
    artifact: artifact.path,
    tool: 'builtin',
    status: 'differences',
    html: null,
    json: null,
    text,
    excerpt: excerptOf(report),
    message: 'diffoscope not found: built-in comparison (apt-get install diffoscope-minimal)',
    log: null,
  };
}

/** Explains every artifact that differs on both sides (missing-on-one-side has nothing to diff). */
export async function explainDifferences(
  artifacts: readonly ArtifactResult[],
  options: DiffOptions,
  runner: ProcessRunner,
): Promise<DiffResult[]> {
  // A name that is not UTF-8 cannot be passed on a command line from Node: those
  // files are compared by their bytes and hashes only.
  const pairs = artifacts.filter((a) => a.status === 'differs' && a.kind === 'file' && !a.escapedName);
  if (pairs.length === 0) return [];
  const haveDiffoscope = (await findOnPath('diffoscope', options.toolPath)) !== undefined;
  const trees = {
    control: await treeReader(options.dirs.control),
    experiment: await treeReader(options.dirs.experiment),
  };
  const limit = pLimit(Math.max(1, options.jobs));
  return Promise.all(
    pairs.map((artifact) =>
      limit(async (): Promise<DiffResult> => {
        const base = join('diffoscope', options.packageName, artifact.path);
        try {
          await mkdir(dirname(join(options.outDir, base)), { recursive: true });
          return await (haveDiffoscope
            ? runDiffoscope(artifact, options, runner, base, trees)
            : builtinDiff(artifact, options, base, trees));
        } catch (error) {
          // A pair that left its tree since it was hashed is an error naming it, and is not read.
          if (!isTwinbuildError(error) || error.code !== 'artifact-escapes-tree') throw error;
          return {
            artifact: artifact.path,
            tool: haveDiffoscope ? 'diffoscope' : 'builtin',
            status: 'error',
            html: null,
            json: null,
            text: null,
            excerpt: '',
            message: error.message,
            log: null,
          };
        }
      }),
    ),
  );
}
