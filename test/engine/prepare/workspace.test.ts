// The source is never touched, nothing is left behind, and both builds see one path.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canUseMountNamespaces } from '../../../adapters/namespaces.js';
import { realProcesses, type ProcessRunner } from '../../../adapters/process.js';
import { disposeWorkspace } from '../../../engine/prepare/workspace.js';
import {
  check,
  checkWithTmp,
  cleanupTemp,
  EXAMPLES,
  fixture,
  hashTree,
  requireOrSkip,
  runCli,
  tempDir,
} from '../../helpers.js';

describe('check: workspaces', function () {
  after(cleanupTemp);

  it('leaves the source tree byte-for-byte and mtime-for-mtime unchanged, even when the build rewrites it', async () => {
    const source = await fixture(
      'echo built > out/a\nrm -rf src\nchmod 000 build.sh\necho scribble > NEW\ntouch -d @0 .',
      { 'src/x.c': 'int x;', 'src/y.c': 'int y;' },
    );
    const before = await hashTree(source);
    const run = await check(source);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    expect(await hashTree(source)).to.equal(before);
  });

  it('does not copy the output directory into the workspace when it lies inside the source', async () => {
    const seen = await tempDir('tb-seen-');
    await chmod(seen, 0o777); // the experiment may run as another user
    // Each side writes down its whole build tree (its own out/ aside) where the test can read it.
    const source = await fixture(
      'find . -path ./out -prune -o -print | LC_ALL=C sort | tee out/files.txt > "$(mktemp "$SEEN/XXXXXX")"',
    );
    const out = join(source, 'twinbuild-out');
    // The second run starts with the first one's report in the source: it must not reach the builds.
    for (const round of ['first', 'second']) {
      const run = await runCli(
        [
          'check',
          source,
          '--build',
          'sh build.sh',
          '--artifacts',
          'out/**',
          '--quiet',
          '--env',
          `SEEN=${seen}`,
          '--out',
          out,
        ],
        { withOut: false },
      );
      expect(run.exitCode, `${round} run: ${run.stderr}${run.stdout}`).to.equal(0);
      expect(await readdir(out), `${round} run`).to.include('results.json');
      const trees = await Promise.all((await readdir(seen)).map((name) => readFile(join(seen, name), 'utf8')));
      expect(trees, `${round} run: what each build saw`).to.deep.equal(['.\n./build.sh\n', '.\n./build.sh\n']);
      await Promise.all((await readdir(seen)).map((name) => rm(join(seen, name))));
    }
  });

  it('removes its temp root after a pass, a difference and a failure', async () => {
    for (const script of ['echo same > out/a', 'date +%N > out/a', 'exit 4']) {
      const run = await checkWithTmp(await fixture(script));
      expect(run.exitCode).to.be.oneOf([0, 1, 3]);
      expect(await readdir(run.tmp)).to.deep.equal([]);
    }
  });

  it('keeps the workspace with --keep and says where', async () => {
    const run = await checkWithTmp(join(EXAMPLES, 'reproducible'), '--keep');
    expect(run.exitCode).to.equal(0);
    const kept = await readdir(run.tmp);
    expect(kept).to.have.length(1);
    expect(kept[0]).to.match(/^twinbuild-/);
    expect(await readdir(join(run.tmp, kept[0]!))).to.include.members(['control', 'experiment']);
  });

  for (const isolation of ['namespaces', 'sequential']) {
    it(`gives both builds the same path (${isolation})`, async function () {
      if (isolation === 'namespaces')
        requireOrSkip(
          this,
          await canUseMountNamespaces(realProcesses),
          'mount namespaces not allowed here (needs root)',
        );
      // Pin build_path (that is what this tests) and HOME, which is the build directory.
      const source = await fixture('pwd > out/pwd.txt\necho "$HOME" > out/home.txt');
      const run = await check(source, '--isolation', isolation, '--vary=-home,-build_path');
      expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
      const pkg = (await run.results()).packages[0]!;
      expect(pkg.isolation).to.equal(isolation);
      expect(pkg.buildPath).to.equal(isolation === 'namespaces' ? 'shared' : 'sequential-fallback');
    });
  }

  it('runs control and experiment at the same time (each waits to see the other started)', async function () {
    requireOrSkip(this, await canUseMountNamespaces(realProcesses), 'mount namespaces not allowed here (needs root)');
    const meeting = await tempDir('tb-meet-');
    await chmod(meeting, 0o777); // the experiment may run as another user
    // Each build announces itself (mktemp: $$ is the same in both pid namespaces), then waits up to 20 s for a second one.
    // Run one after the other, the first would give up and write "alone".
    const source = await fixture(
      'mktemp "$MEET/XXXXXX" >/dev/null\nfor i in $(seq 1 200); do [ "$(ls "$MEET" | wc -l)" -ge 2 ] && break; sleep 0.1; done\n' +
        'if [ "$(ls "$MEET" | wc -l)" -ge 2 ]; then echo together; else echo alone; fi > out/met.txt',
    );
    const run = await check(source, '--env', `MEET=${meeting}`, '--isolation', 'namespaces', '--json');
    expect(run.exitCode, run.stderr).to.equal(0);
    const pkg = JSON.parse(run.stdout).packages[0];
    expect(pkg.artifacts[0].path).to.equal('out/met.txt');
    expect(await readdir(meeting)).to.have.length(2);
    // "together" on both sides: neither build finished before the other began.
    expect(pkg.artifacts[0].size.control).to.equal('together\n'.length);
  });

  // Issue 35: a small temp root is removed with no process; a large one still by GNU rm.
  it('removes a small temp root in-process, a large one with GNU rm, and never what a symlink in it points at', async () => {
    const started: string[] = [];
    const runner: ProcessRunner = {
      run: (request) => (started.push(request.argv[0]!), realProcesses.run(request)),
      capture: (argv, options) => (started.push(argv[0]!), realProcesses.capture(argv, options)),
      passthrough: (argv, env) => (started.push(argv[0]!), realProcesses.passthrough(argv, env)),
    };
    const outside = await tempDir();
    await writeFile(join(outside, 'kept'), 'the user’s');
    const tree = async (files: number) => {
      const root = join(await tempDir(), 'twinbuild-root');
      await mkdir(join(root, 'a', 'b'), { recursive: true });
      for (let i = 0; i < files; i++) await writeFile(join(root, i % 2 ? 'a' : join('a', 'b'), `f${i}`), '');
      await symlink(outside, join(root, 'a', 'link'));
      return root;
    };
    const small = await tree(40);
    await disposeWorkspace({ root: small }, runner);
    expect(existsSync(small)).to.equal(false);
    expect(started).to.deep.equal([]);
    const large = await tree(600);
    await disposeWorkspace({ root: large }, runner);
    expect(existsSync(large)).to.equal(false);
    expect(started).to.deep.equal(['rm']);
    expect(await readFile(join(outside, 'kept'), 'utf8')).to.equal('the user’s');
  });
});
