// Issue 29, items 9–15: hostile inputs from the user's own directories — symlinks
// in a sweep's tree, an --out that is already the user's, special files in the
// source, a TMPDIR with a space, catch-all ignore globs, report merge into itself.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { chmod, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import type { RunResult } from '../../reports/model.js';
import { compileIgnores } from '../../suites/ignore.js';
import { cleanupTemp, fixture, hashTree, onPath, requireOrSkip, runCli, tempDir } from '../helpers.js';
import { REPRODUCIBLE, genericPackage, writeFiles } from '../suites/fixtures.js';

const BUILD = ['--build', 'sh build.sh', '--artifacts', 'out/**', '--quiet'];

const oneLine = (run: { stderr: string }) => {
  const lines = run.stderr.trim().split('\n');
  expect(lines, run.stderr).to.have.length(1);
  expect(run.stderr).not.to.match(/^\s+at /m);
  return lines[0]!;
};

describe('reliability: hostile inputs from the user’s directories (issue 29, items 9–15)', function () {
  this.timeout(240_000);
  after(cleanupTemp);

  describe('item 14: an ignore glob that matches every path is refused', function () {
    for (const glob of ['*/**', '{**,x}']) {
      it(`exit 2 and one line for "${glob}" (as reported)`, async () => {
        const root = join(await tempDir(), 'repo');
        await genericPackage(root, 'pkgs/a', REPRODUCIBLE);
        await writeFiles(root, {
          'twinbuild.config.json': JSON.stringify({
            defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
            packages: [{ glob: 'pkgs/*' }],
            ignore: [{ artifacts: glob, reason: 'everything' }],
          }),
        });
        const run = await runCli(['sweep', root, '--no-bisect']);
        expect(run.exitCode, run.stderr).to.equal(2);
        expect(oneLine(run)).to.include(`ignore[0].artifacts: "${glob}" would ignore whole packages`);
      });
    }

    it('every catch-all form is refused; globs that name artifacts are not', () => {
      const refused = [
        '**',
        '*/**',
        '{**,x}',
        '**/*',
        '*',
        '**/**',
        '+(**)',
        '@(**)',
        '*/*/**',
        '{*,*/**}',
        '*/*',
        '!(x)',
      ];
      const accepted = ['out/**', '**/*.deb', 'out/*.tar.gz', '**/.*', 'out/umask.txt', '*/*.jar'];
      const compiles = (g: string | string[]) => {
        try {
          compileIgnores([{ artifacts: g, reason: 'r' }], 'c.json');
          return true;
        } catch {
          return false;
        }
      };
      expect(refused.filter(compiles), 'accepted').to.deep.equal([]);
      expect(
        accepted.filter((g) => !compiles(g)),
        'refused',
      ).to.deep.equal([]);
      // Two globs that together match everything are one entry that ignores everything.
      expect(compiles(['*', '*/**'])).to.equal(false);
    });
  });

  describe('item 15: report merge', function () {
    let shard: string;
    before(async () => {
      // 10,001 artifacts: past the list limit, so the full list goes to artifacts/pkgs-big.ndjson.
      const root = join(await tempDir(), 'repo');
      await genericPackage(
        root,
        'pkgs/big',
        'i=0; while [ $i -le 10000 ]; do echo $i > out/f$i; i=$((i+1)); done\numask > out/umask.txt',
      );
      await genericPackage(root, 'pkgs/small', REPRODUCIBLE);
      await writeFiles(root, {
        'twinbuild.config.json': JSON.stringify({
          defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
          packages: [{ glob: 'pkgs/*' }],
        }),
      });
      const run = await runCli(['sweep', root, '--no-bisect', '--no-diffoscope', '--vary=-all,+umask', '--quiet'], {
        timeoutMs: 200_000,
      });
      expect(run.exitCode, run.stderr).to.equal(1);
      expect((await run.results()).packages.find((p) => p.name === 'pkgs-big')!.artifactSummary!.file).to.equal(
        'artifacts/pkgs-big.ndjson',
      );
      shard = run.out;
    });

    it('keeps artifacts/<package>.ndjson, which the merged results.json points at', async () => {
      const merged = join(await tempDir('tb-merged-'), 'merged');
      const run = await runCli(['report', 'merge', shard, '--out', merged], { withOut: false });
      expect(run.exitCode, run.stderr).to.equal(1);
      const result = JSON.parse(await readFile(join(merged, 'results.json'), 'utf8')) as RunResult;
      const file = result.packages.find((p) => p.name === 'pkgs-big')!.artifactSummary!.file!;
      expect(await readFile(join(merged, file), 'utf8')).to.equal(await readFile(join(shard, file), 'utf8'));
      expect((await readFile(join(merged, file), 'utf8')).trim().split('\n')).to.have.length(10_002);
    });

    const refusals: readonly [string, (dir: string) => Promise<string>, RegExp][] = [
      ['--out DIR of an input DIR (as reported)', async (dir) => dir, /^twinbuild: --out .* is the input .*; choose/],
      ['--out inside an input', async (dir) => join(dir, 'logs', 'merged'), /--out .* is inside the input/],
      [
        'an input under OUT/logs, which a merge would clear',
        async () => {
          const out = await tempDir('tb-merged-');
          await mkdir(join(out, 'logs'));
          return out;
        },
        /the input .* is inside --out .*, where twinbuild writes logs/,
      ],
    ];
    for (const [what, outFor, message] of refusals) {
      it(`exit 2 and one line for ${what}, nothing changed`, async () => {
        let input = shard;
        const out = await outFor(shard);
        if (what.startsWith('an input under')) {
          input = join(out, 'logs', 'shard1');
          await runCli(['report', 'merge', shard, '--out', input], { withOut: false });
          expect(existsSync(join(input, 'results.json'))).to.equal(true);
        }
        const before = await hashTree(input);
        const run = await runCli(['report', 'merge', input, '--out', out], { withOut: false });
        expect(run.exitCode, run.stderr).to.equal(2);
        expect(oneLine(run)).to.match(message);
        expect(await hashTree(input)).to.equal(before);
      });
    }
  });

  describe('item 10: an --out that is already the user’s', function () {
    it('a GitLab Pages public/ with its own index.html, results.json and junit.xml is refused, nothing changed', async () => {
      const source = await fixture('echo a > out/a');
      const pub = join(await tempDir(), 'public');
      await writeFiles(pub, {
        'index.html': '<h1>my site</h1>\n',
        'results.json': '{"mine": true}\n',
        'junit.xml': '<testsuites/>\n',
        'css/site.css': 'body {}\n',
      });
      const before = await hashTree(pub);
      const run = await runCli(['check', source, ...BUILD, '--out', pub], { withOut: false });
      expect(run.exitCode, run.stderr).to.equal(2);
      expect(oneLine(run)).to.equal(
        `twinbuild: --out ${pub} already holds index.html, junit.xml, results.json that twinbuild did not write ` +
          '(no .twinbuild-out marker): the reports would replace them; choose a new or empty directory with --out',
      );
      expect(await hashTree(pub)).to.equal(before);
    });

    it('a directory of the user’s with none of those names takes the reports beside its files, run after run', async () => {
      const source = await fixture('echo a > out/a');
      const dir = await tempDir('tb-users-');
      await writeFile(join(dir, 'notes.txt'), 'mine\n');
      for (const _ of [1, 2]) {
        const run = await runCli(['check', source, ...BUILD, '--out', dir], { withOut: false });
        expect(run.exitCode, run.stderr).to.equal(0);
      }
      expect(await readFile(join(dir, 'notes.txt'), 'utf8')).to.equal('mine\n');
      expect(existsSync(join(dir, '.twinbuild-out'))).to.equal(true);
      expect(existsSync(join(dir, 'results.json'))).to.equal(true);
    });
  });

  describe('item 11: an --out that is a populated directory of SOURCE', function () {
    it('check: exit 2, one line, the source untouched (it used to vanish from both builds)', async () => {
      const source = await fixture('cat sub/f > out/a', { 'sub/f': 'part of the source\n' });
      const before = await hashTree(source);
      const run = await runCli(['check', source, ...BUILD, '--out', join(source, 'sub')], { withOut: false });
      expect(run.exitCode, run.stderr).to.equal(2);
      expect(oneLine(run)).to.equal(
        `twinbuild: --out ${join(source, 'sub')} is a directory of the SOURCE holding files of its own, which would ` +
          'be left out of the builds; choose a new or empty directory, or one outside it',
      );
      expect(await hashTree(source)).to.equal(before);
    });

    it('sweep: the same for a populated directory of ROOT', async () => {
      const root = join(await tempDir(), 'repo');
      await genericPackage(root, 'pkgs/a', REPRODUCIBLE);
      await writeFiles(root, { 'pkgs/a/package.json': '{}', 'docs/guide.md': '# mine\n' });
      const before = await hashTree(root);
      const run = await runCli(['sweep', root, '--out', join(root, 'docs')], { withOut: false });
      expect(run.exitCode, run.stderr).to.equal(2);
      expect(oneLine(run)).to.match(/--out .*\/docs is a directory of the ROOT holding files of its own/);
      expect(await hashTree(root)).to.equal(before);
    });

    it('a new directory of SOURCE is still fine, run after run (it is left out of the copies)', async () => {
      const source = await fixture('cat sub/f > out/a', { 'sub/f': 'part of the source\n' });
      for (const _ of [1, 2]) {
        const run = await runCli(['check', source, ...BUILD, '--out', join(source, 'reports')], { withOut: false });
        expect(run.exitCode, run.stderr).to.equal(0);
      }
      expect((await readFile(join(source, 'reports', 'results.json'), 'utf8')).length).to.be.greaterThan(0);
    });
  });

  describe('item 9: discovery never follows a symlinked directory', function () {
    // ROOT/rootlink -> /, ROOT/loop -> ., ROOT/ext -> a package outside ROOT, beside one real package.
    const hostileRoot = async (files: Record<string, string>) => {
      const dir = await tempDir();
      const root = join(dir, 'repo');
      await writeFiles(root, files);
      await writeFiles(join(dir, 'outside'), {
        'build.sh': 'mkdir -p out; echo outside > out/x',
        'package.json': '{}',
      });
      await symlink('/', join(root, 'rootlink'));
      await symlink('.', join(root, 'loop'));
      await symlink(join(dir, 'outside'), join(root, 'ext'));
      return root;
    };

    it('sweep with a glob: only the package inside ROOT is checked, and the three links are named', async () => {
      const root = await hostileRoot({
        'a/build.sh': `mkdir -p out\n${REPRODUCIBLE}\n`,
        'twinbuild.config.json': JSON.stringify({
          defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
          packages: [{ glob: '*' }],
        }),
      });
      const run = await runCli(['sweep', root, '--vary=-all', '--quiet'], { timeoutMs: 120_000 });
      expect(run.exitCode, run.stderr).to.equal(0);
      expect((await run.results()).packages.map((p) => p.name)).to.deep.equal(['a']);
      expect(run.stderr, run.stderr).to.include(
        'twinbuild: note: not followed (symlinked directories below ROOT are never searched for packages): ' +
          'ext, loop, rootlink',
      );
    });

    it('discovery by markers (init) ends at once, finds only the package inside ROOT, and names the links', async () => {
      const root = await hostileRoot({ 'a/package.json': '{"name":"a","version":"1.0.0"}' });
      const run = await runCli(['init', root], { withOut: false, timeoutMs: 60_000 });
      expect(run.exitCode, run.stderr).to.equal(0);
      const config = JSON.parse(await readFile(join(root, 'twinbuild.config.json'), 'utf8')) as {
        packages: { path: string }[];
      };
      expect(config.packages.map((p) => p.path)).to.deep.equal(['a']);
      expect(oneLine(run)).to.equal(
        'twinbuild: note: not followed (symlinked directories below ROOT are never searched for packages): ' +
          'ext, loop, rootlink',
      );
    });

    it('a config path through a symlink is exit 2, one line', async () => {
      const root = await hostileRoot({
        'twinbuild.config.json': JSON.stringify({
          defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
          packages: [{ path: 'ext' }],
        }),
      });
      const run = await runCli(['sweep', root]);
      expect(run.exitCode, run.stderr).to.equal(2);
      expect(oneLine(run)).to.match(/packages\[0\]\.path: "ext" goes through the symlink ext; a sweep never follows/);
    });
  });

  describe('item 12: special files in SOURCE', function () {
    it('a socket (git’s fsmonitor) and a FIFO are left out of the copies and listed in every report', async () => {
      const source = await fixture('ls -a .git > /dev/null\necho a > out/a', { '.git/HEAD': 'ref: refs/heads/main\n' });
      const server = createServer();
      await new Promise<void>((done) => server.listen(join(source, '.git', 'fsmonitor--daemon.ipc'), done));
      try {
        expect((await realProcesses.capture(['mkfifo', join(source, 'pipe')])).exitCode).to.equal(0);
        const run = await runCli(['check', source, '--build', 'sh build.sh', '--artifacts', 'out/**', '--vary=-all']);
        expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
        const note =
          'not copied into the builds (special files in the source): .git/fsmonitor--daemon.ipc (socket), pipe (fifo)';
        expect((await run.results()).packages[0]!.notCopied).to.deep.equal([
          { path: '.git/fsmonitor--daemon.ipc', kind: 'socket' },
          { path: 'pipe', kind: 'fifo' },
        ]);
        expect(run.stdout).to.include(`  ${note}\n`);
        expect(await readFile(join(run.out, 'junit.xml'), 'utf8')).to.include(
          `<property name="twinbuild.not-copied" value="${note}"/>`,
        );
        expect(await readFile(join(run.out, 'index.html'), 'utf8')).to.include(`<p class="skipped">${note}</p>`);
      } finally {
        await new Promise((done) => server.close(done));
      }
    });
  });

  describe('item 13: a TMPDIR with a space', function () {
    // Reads an xattr that is not there: "no such attribute" on the host, "not supported" through disorderfs and its preload.
    const PROBE = [
      'import errno, os',
      'try:',
      "    os.getxattr('src/a', 'user.twinbuild')",
      "    print('present')",
      'except OSError as e:',
      '    print(errno.errorcode[e.errno])',
    ].join('\n');

    it('a default check passes, and disorderfs mounts with its preload (it timed out after 10 s)', async function () {
      requireOrSkip(this, (await onPath('disorderfs')) !== undefined, 'disorderfs (scripts/debian-packages.txt)');
      requireOrSkip(this, (await onPath('cc')) !== undefined, 'cc (build-essential) compiles the disorderfs preload');
      const tmp = await tempDir('tb tmp with space-');
      await chmod(tmp, 0o711);
      const env = { TMPDIR: tmp };
      const plain = await fixture('echo a > out/a');
      const byDefault = await runCli(['check', plain, ...BUILD], { env });
      expect(byDefault.exitCode, byDefault.stderr + byDefault.stdout).to.equal(0);
      const varied = (await byDefault.results()).packages[0]!.variations.filter((v) => v.status === 'varied');
      expect(varied.map((v) => v.name)).to.include('fileordering');

      const source = await fixture('python3 -c "$(cat probe.py)" > out/xattr.txt', { 'probe.py': PROBE, 'src/a': 'a' });
      const run = await runCli(['check', source, ...BUILD, '--vary=-all,+fileordering', '--no-bisect'], { env });
      expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
      const xattr = (await run.results()).packages[0]!.diffoscope.find((d) => d.artifact === 'out/xattr.txt')!;
      expect(xattr.excerpt)
        .to.match(/-ENODATA/)
        .and.match(/\+(ENOTSUP|EOPNOTSUPP)/);
      expect(await readdir(tmp)).to.deep.equal([]);
    });
  });
});
