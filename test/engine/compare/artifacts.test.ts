// Artifact collection and comparison: empty files, nesting, one-sided files, symlinks.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareArtifacts } from '../../../engine/compare/compare.js';
import { sha256File } from '../../../core/hash.js';
import { check, cleanupTemp, fixture, tempDir } from '../../helpers.js';

const ONLY_CONTROL = 'if [ "$HOME" != /nonexistent/second-build ]; then echo c > out/only-control; fi';
const ONLY_EXPERIMENT = 'if [ "$HOME" = /nonexistent/second-build ]; then echo e > out/deep/only-experiment; fi';

describe('check: artifacts', function () {
  after(cleanupTemp);

  it('compares empty files and deeply nested ones', async () => {
    const source = await fixture(
      'mkdir -p out/a/b/c/d\n: > out/empty\n: > out/a/b/c/d/empty\necho deep > out/a/b/c/d/file',
    );
    const run = await check(source);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    const artifacts = (await run.results()).packages[0]!.artifacts;
    expect(artifacts.map((a) => a.path)).to.deep.equal(['out/a/b/c/d/empty', 'out/a/b/c/d/file', 'out/empty']);
    const empty = artifacts.find((a) => a.path === 'out/empty')!;
    expect(empty.size).to.deep.equal({ control: 0, experiment: 0 });
    expect(empty.sha256.control).to.equal(createHash('sha256').digest('hex'));
  });

  it('reports a file present on one side only as a difference, in both directions', async () => {
    const source = await fixture(`mkdir -p out/deep\necho both > out/both\n${ONLY_CONTROL}\n${ONLY_EXPERIMENT}`);
    const run = await check(source, '--vary=-all,+home');
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const artifacts = (await run.results()).packages[0]!.artifacts;
    expect(artifacts.map((a) => [a.path, a.status])).to.deep.equal([
      ['out/both', 'identical'],
      ['out/deep/only-experiment', 'missing-in-control'],
      ['out/only-control', 'missing-in-experiment'],
    ]);
    expect(artifacts[1]!.sha256.control).to.equal(null);
  });

  it('compares symlinks by target and never follows them out of the tree', async () => {
    const same = await fixture('ln -s /etc/hostname out/link');
    const sameRun = await check(same);
    expect(sameRun.exitCode, sameRun.stderr + sameRun.stdout).to.equal(0);
    const link = (await sameRun.results()).packages[0]!.artifacts[0]!;
    expect(link).to.deep.include({
      kind: 'symlink',
      status: 'identical',
      linkTarget: { control: '/etc/hostname', experiment: '/etc/hostname' },
    });
    expect(link.sha256.control).to.equal(null);

    const differs = await fixture('ln -s "$HOME" out/link');
    const differsRun = await check(differs, '--vary=-all,+home');
    expect(differsRun.exitCode).to.equal(1);
  });

  it('compares files whose names hold a newline (fast-glob alone would skip them)', async () => {
    const source = await fixture('mkdir -p out/sub\necho same > out/plain\necho "$HOME" > "out/sub/new\nline"');
    const run = await check(source, '--vary=-all,+home', '--no-diffoscope');
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const artifacts = (await run.results()).packages[0]!.artifacts;
    expect(artifacts.map((a) => [a.path, a.status])).to.deep.equal([
      ['out/plain', 'identical'],
      ['out/sub/new\nline', 'differs'],
    ]);
  });

  it('hashes by streaming and agrees with a one-shot hash', async () => {
    const dir = await tempDir();
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await writeFile(join(dir, 'blob'), data);
    const expected = createHash('sha256').update(data).digest('hex');
    expect(await sha256File(join(dir, 'blob'))).to.equal(expected); // streamed
    expect(await sha256File(join(dir, 'blob'), data.length)).to.equal(expected); // large: streamed too
    await writeFile(join(dir, 'small'), 'abc');
    expect(await sha256File(join(dir, 'small'), 3)).to.equal(createHash('sha256').update('abc').digest('hex'));
  });

  it('sees a one-byte difference at the end of a multi-megabyte file', async () => {
    const root = await tempDir();
    const data = Buffer.alloc(5 * 1024 * 1024, 1);
    await writeFile(join(root, 'c'), data);
    data[data.length - 1] = 2;
    await writeFile(join(root, 'e'), data);
    const { mkdir, rename } = await import('node:fs/promises');
    await mkdir(join(root, 'control'));
    await mkdir(join(root, 'experiment'));
    await rename(join(root, 'c'), join(root, 'control', 'big'));
    await rename(join(root, 'e'), join(root, 'experiment', 'big'));
    const [result] = (
      await compareArtifacts({ control: join(root, 'control'), experiment: join(root, 'experiment') }, ['big'], 2)
    ).artifacts;
    expect(result).to.deep.include({
      path: 'big',
      status: 'differs',
      size: { control: data.length, experiment: data.length },
    });
  });
});
