// The streaming comparison: two trees merge-joined by path in one order, a
// results list bounded by a limit with the full list streamed to a side file,
// and an interrupt that stops the walk and leaves no partial side file.
import { expect } from 'chai';
import { watch } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareArtifacts, compareTrees } from '../../../engine/compare/compare.js';
import { isTwinbuildError } from '../../../core/errors.js';
import type { ArtifactResult } from '../../../reports/model.js';
import { cleanupTemp, tempDir } from '../../helpers.js';

const DIRS = 11; // 11,000 files: more differing ones (every 97th) than the limit of 100 used here
const PER_DIR = 1000;

/** Two trees of DIRS × PER_DIR files; the experiment differs in every 97th file and lacks d0/f5. */
async function twoTrees(): Promise<Readonly<{ control: string; experiment: string; differing: number }>> {
  const root = await tempDir();
  const dirs = { control: join(root, 'control'), experiment: join(root, 'experiment') };
  let differing = 0;
  for (let d = 0; d < DIRS; d++) {
    await Promise.all(Object.values(dirs).map((side) => mkdir(join(side, 'out', `d${d}`), { recursive: true })));
    const writes: Promise<void>[] = [];
    for (let f = 0; f < PER_DIR; f++) {
      const rel = join('out', `d${d}`, `f${f}`);
      const n = d * PER_DIR + f;
      writes.push(writeFile(join(dirs.control, rel), `${n}`));
      if (d === 0 && f === 5) continue;
      if (n % 97 === 0) differing++;
      writes.push(writeFile(join(dirs.experiment, rel), n % 97 === 0 ? `${n}!` : `${n}`));
    }
    await Promise.all(writes);
  }
  return { ...dirs, differing: differing + 1 };
}

const lines = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ArtifactResult);

describe('engine/compare: a bounded artifact list', function () {
  this.timeout(120_000);
  after(cleanupTemp);

  it('past the limit, lists only the first not-identical artifacts, counts all, and streams every one to the side file', async () => {
    const trees = await twoTrees();
    const out = await tempDir();
    const file = { path: join(out, 'artifacts', 'pkg.ndjson'), shown: 'artifacts/pkg.ndjson' };
    const { artifacts, summary } = await compareArtifacts(trees, ['out/**'], 2, undefined, { limit: 100, file });
    const total = DIRS * PER_DIR;
    expect(summary).to.deep.equal({
      total,
      identical: total - trees.differing,
      notIdentical: trees.differing,
      listed: 'not-identical',
      limit: 100,
      file: 'artifacts/pkg.ndjson',
    });
    expect(artifacts).to.have.length(100);
    expect(artifacts.every((a) => a.status !== 'identical')).to.equal(true);
    expect(artifacts[0]).to.deep.include({ path: 'out/d0/f0', status: 'differs' });
    expect(artifacts.find((a) => a.path === 'out/d0/f5')).to.deep.include({ status: 'missing-in-experiment' });

    const all = await lines(file.path);
    expect(all).to.have.length(total);
    expect(new Set(all.map((a) => a.path)).size).to.equal(total);
    expect(all.filter((a) => a.status !== 'identical')).to.have.length(trees.differing);
    // The listed ones are the side file's first not-identical ones, in the same order.
    expect(all.filter((a) => a.status !== 'identical').slice(0, 100)).to.deep.equal(artifacts);
    expect(await readdir(join(out, 'artifacts'))).to.deep.equal(['pkg.ndjson']); // no temporary file left
  });

  it('within the limit, lists every artifact and removes a stale side file of an earlier run', async () => {
    const root = await tempDir();
    for (const side of ['control', 'experiment']) {
      await mkdir(join(root, side, 'out'), { recursive: true });
      await writeFile(join(root, side, 'out', 'a'), 'same');
    }
    const out = await tempDir();
    await mkdir(join(out, 'artifacts'));
    await writeFile(join(out, 'artifacts', 'pkg.ndjson'), '{"stale":true}\n');
    const file = { path: join(out, 'artifacts', 'pkg.ndjson'), shown: 'artifacts/pkg.ndjson' };
    const { artifacts, summary } = await compareArtifacts(
      { control: join(root, 'control'), experiment: join(root, 'experiment') },
      ['out/**'],
      2,
      undefined,
      { limit: 100, file },
    );
    expect(artifacts.map((a) => [a.path, a.status])).to.deep.equal([['out/a', 'identical']]);
    expect(summary).to.deep.include({ total: 1, listed: 'all', file: null });
    expect(await readdir(join(out, 'artifacts'))).to.deep.equal([]);
  });

  it('pairs paths in one order on both sides, whatever directory exists on one side only', async () => {
    const root = await tempDir();
    const layout = {
      control: ['out/a/b', 'out/a-c', 'out/only-c/x/y', 'out/z'],
      experiment: ['out/a-c', 'out/a.d', 'out/only-e/q', 'out/z'],
    };
    for (const [side, files] of Object.entries(layout)) {
      for (const rel of files) {
        await mkdir(join(root, side, rel, '..'), { recursive: true });
        await writeFile(join(root, side, rel), rel);
      }
    }
    const { artifacts } = await compareArtifacts(
      { control: join(root, 'control'), experiment: join(root, 'experiment') },
      ['out/**'],
      2,
    );
    expect(artifacts.map((a) => [a.path, a.status])).to.deep.equal([
      ['out/a/b', 'missing-in-experiment'],
      ['out/a-c', 'identical'],
      ['out/a.d', 'missing-in-control'],
      ['out/only-c/x/y', 'missing-in-experiment'],
      ['out/only-e/q', 'missing-in-control'],
      ['out/z', 'identical'],
    ]);
  });

  it('an abort stops the walk within a few files, as interrupted', async () => {
    const trees = await twoTrees();
    const stop = new AbortController();
    let visited = 0;
    const failure = await compareTrees(trees, ['out/**'], 2, stop.signal, () => {
      if (++visited === 1000) stop.abort();
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(isTwinbuildError(failure) && failure.code, String(failure)).to.equal('interrupted');
    // At most the window of files already being hashed is handed on after the abort.
    expect(visited)
      .to.be.at.least(1000)
      .and.at.most(1000 + 16);
  });

  it('an abort while the side file is written leaves no side file, complete or partial', async () => {
    const trees = await twoTrees();
    const out = await tempDir();
    const file = { path: join(out, 'artifacts', 'pkg.ndjson'), shown: 'artifacts/pkg.ndjson' };
    const stop = new AbortController();
    // The side file's directory appears once the list passes its limit: abort then.
    const watcher = watch(out, () => stop.abort());
    const failure = await compareArtifacts(trees, ['out/**'], 2, stop.signal, { limit: 10, file }).then(
      () => null,
      (error: unknown) => error,
    );
    watcher.close();
    expect(isTwinbuildError(failure) && failure.code, String(failure)).to.equal('interrupted');
    expect(await readdir(join(out, 'artifacts'))).to.deep.equal([]);
  });
});
