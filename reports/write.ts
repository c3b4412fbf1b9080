// Writes one report set from a result model: results.json first (so the model
// survives a failing view), then every chosen file reporter. The same for check,
// sweep, verify and report merge. Returns what the console reporter says, if chosen.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import type { ArtifactResult, RunResult } from './model.js';
import { REPORTERS, type ReportContext, type ReporterName } from './registry.js';

// Write-then-rename under a name of this process's own: a reader never sees half
// a file, and two writers never share a temporary file.
async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}

export async function writeReports(
  result: RunResult,
  ctx: ReportContext,
  chosen: readonly ReporterName[],
): Promise<string | null> {
  await mkdir(ctx.outDir, { recursive: true });
  await writeAtomically(join(ctx.outDir, 'results.json'), REPORTERS.json.render(result));
  const files = chosen.filter((name) => name !== 'json' && REPORTERS[name].file !== null);
  await Promise.all(
    files.map((name) => writeAtomically(join(ctx.outDir, REPORTERS[name].file!), REPORTERS[name].render(result, ctx))),
  );
  return chosen.includes('console') ? REPORTERS.console.render(result, ctx) : null;
}

export type ArtifactListWriter = Readonly<{
  /** Appends one artifact as a JSON line; waits when the disk is slower than the comparison. */
  write: (artifact: ArtifactResult) => Promise<void>;
  /** Finishes the file and renames it into place. */
  commit: () => Promise<void>;
  /** Drops the unfinished file (an interrupted comparison leaves no partial list). */
  discard: () => Promise<void>;
}>;

// A package's full artifact list (NDJSON), streamed while it is compared, so a
// million artifacts never sit in memory; written under a temporary name of this
// process's own and renamed into place only when complete.
export async function openArtifactList(path: string): Promise<ArtifactListWriter> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  const stream = createWriteStream(temporary, { flags: 'wx' });
  await once(stream, 'open');
  let failure: Error | null = null;
  stream.on('error', (error) => {
    failure = error;
  });
  return {
    write: async (artifact) => {
      if (failure) throw failure;
      if (!stream.write(`${JSON.stringify(artifact)}\n`)) await once(stream, 'drain'); // rejects on a write error
    },
    commit: async () => {
      await new Promise<void>((resolve, reject) =>
        stream.end((error?: Error | null) => ((error ?? failure) ? reject(error ?? failure) : resolve())),
      );
      await rename(temporary, path);
    },
    discard: async () => {
      stream.destroy();
      await rm(temporary, { force: true });
    },
  };
}

/** Removes a full artifact list a previous run left for this package (this run's list is short enough for results.json). */
export async function removeArtifactList(path: string): Promise<void> {
  await rm(path, { force: true });
}
