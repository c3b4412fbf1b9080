// twinbuild's cache dir: the disorderfs preload compiled once per machine, the
// sandbox's answer once per boot, read only when ours alone, and emptied by clean.
import { expect } from 'chai';
import { chmod, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureNoXattrShim } from '../../adapters/disorderfs-shim.js';
import { localeCharmaps, loadsAs } from '../../adapters/locales.js';
import { canUseMountNamespaces } from '../../adapters/namespaces.js';
import { realProcesses, type ProcessRunner } from '../../adapters/process.js';
import { clearCached, readCached, writeCached } from '../../adapters/user-cache.js';
import { cleanupTemp, requireOrSkip, runCli, tempDir } from '../helpers.js';

const TOOL_PATH = process.env['PATH'] ?? '/usr/bin:/bin';

// The real runner, counting what it starts: which steps a cache saved.
function counting(): { runner: ProcessRunner; started: string[] } {
  const started: string[] = [];
  const runner: ProcessRunner = {
    run: (request) => (started.push(request.argv[0]!), realProcesses.run(request)),
    capture: (argv, options) => (started.push(argv[0]!), realProcesses.capture(argv, options)),
    passthrough: (argv, env) => (started.push(argv[0]!), realProcesses.passthrough(argv, env)),
  };
  return { runner, started };
}

describe('the user cache (adapters/user-cache.ts)', function () {
  after(cleanupTemp);

  it('reads back what it wrote, whole, and nothing that another user could write or that is a symlink', async () => {
    const dir = join(await tempDir(), 'cache');
    expect(await writeCached(dir, 'a', 'one\n')).to.equal(true);
    expect((await stat(dir)).mode & 0o777).to.equal(0o700);
    expect((await readCached(dir, 'a'))?.toString()).to.equal('one\n');
    expect(await readdir(dir)).to.deep.equal(['a']); // no temp file left
    await chmod(join(dir, 'a'), 0o664);
    expect(await readCached(dir, 'a')).to.equal(null);
    await chmod(join(dir, 'a'), 0o644);
    await symlink(join(dir, 'a'), join(dir, 'b'));
    expect(await readCached(dir, 'b')).to.equal(null);
    await chmod(dir, 0o777);
    expect(await readCached(dir, 'a')).to.equal(null);
    expect(await writeCached(dir, 'c', 'x')).to.equal(false);
    await chmod(dir, 0o700);
    expect(await readCached(dir, 'missing')).to.equal(null);
  });

  it('clears only the names it is given (and their temp files), and the dir only when that empties it', async () => {
    const dir = join(await tempDir(), 'cache');
    await mkdir(dir, { mode: 0o700 });
    for (const name of ['ours-1', 'ours-2.123-0a1b2c3d.tmp', 'theirs']) await writeFile(join(dir, name), '');
    expect((await clearCached(dir, [/^ours-\d$/])).sort()).to.deep.equal(['ours-1', 'ours-2.123-0a1b2c3d.tmp']);
    expect(await readdir(dir)).to.deep.equal(['theirs']);
    const empty = join(await tempDir(), 'cache');
    await writeCached(empty, 'ours-3', '');
    expect(await clearCached(empty, [/^ours-\d$/])).to.deep.equal(['ours-3']);
    expect(await readdir(join(empty, '..'))).to.deep.equal([]);
  });
});

describe('the disorderfs preload, compiled once per machine', function () {
  after(cleanupTemp);

  it('compiles once into the cache; the next workspace gets a copy without cc; a tampered copy is not used', async function () {
    const cacheDir = join(await tempDir(), 'cache');
    const cache = { dir: cacheDir, toolPath: TOOL_PATH };
    const first = counting();
    const made = await ensureNoXattrShim(first.runner, join(await tempDir(), 'lib', 'shim.so'), cache);
    requireOrSkip(this, made, 'no C compiler here');
    expect(first.started).to.deep.equal(['cc']);
    const [kept] = await readdir(cacheDir);
    expect(kept).to.match(/^disorderfs-noxattr-[0-9a-f]{32}\.so$/);

    const second = counting();
    const copy = join(await tempDir(), 'lib', 'shim.so');
    expect(await ensureNoXattrShim(second.runner, copy, cache)).to.equal(true);
    expect(second.started).to.deep.equal([]);
    expect(await readFile(copy)).to.deep.equal(await readFile(join(cacheDir, kept!)));
    expect((await stat(copy)).mode & 0o777).to.equal(0o644); // disorderfs runs as the build's id

    await chmod(join(cacheDir, kept!), 0o666);
    const third = counting();
    expect(await ensureNoXattrShim(third.runner, join(await tempDir(), 'lib', 'shim.so'), cache)).to.equal(true);
    expect(third.started).to.deep.equal(['cc']);
    expect((await stat(join(cacheDir, kept!))).mode & 0o777).to.equal(0o644); // replaced by the new compile
  });
});

describe("the sandbox's answer, kept until the next boot", function () {
  after(cleanupTemp);

  it('probes once; a later run reads the yes without starting anything; clean removes it', async function () {
    const cacheHome = await tempDir();
    const cacheDir = join(cacheHome, 'twinbuild');
    const cache = { dir: cacheDir, toolPath: TOOL_PATH };
    const first = counting();
    const ok = await canUseMountNamespaces(first.runner, undefined, cache);
    requireOrSkip(this, ok, 'no sandbox here (bubblewrap or namespaces)');
    expect(first.started).to.deep.equal(['unshare']);
    const second = counting();
    expect(await canUseMountNamespaces(second.runner, undefined, cache)).to.equal(true);
    expect(second.started).to.deep.equal([]);
    // Not ours alone: asked again.
    await chmod(cacheDir, 0o777);
    const third = counting();
    expect(await canUseMountNamespaces(third.runner, undefined, cache)).to.equal(true);
    expect(third.started).to.deep.equal(['unshare']);
    await chmod(cacheDir, 0o700);
    // Another PATH (bubblewrap maybe not on it): asked again.
    const fourth = counting();
    const elsewhere = { dir: cacheDir, toolPath: `/nonexistent:${TOOL_PATH}` };
    expect(await canUseMountNamespaces(fourth.runner, undefined, elsewhere)).to.equal(true);
    expect(fourth.started).to.deep.equal(['unshare']);

    await writeFile(join(cacheDir, 'notes.txt'), 'kept');
    const clean = await runCli(['clean'], { withOut: false, env: { XDG_CACHE_HOME: cacheHome } });
    expect(clean.exitCode, clean.stderr).to.equal(0);
    expect(clean.stdout).to.include(`removed 2 cached file(s) from ${cacheDir}`);
    // Only twinbuild's own files: what else is there stays, and so does the dir.
    expect(await readdir(cacheDir)).to.deep.equal(['notes.txt']);
  });

  it('asks whether the experiment locales load once; a later run reads the yes; a no is never kept; clean removes it', async function () {
    const cacheHome = await tempDir();
    const cacheDir = join(cacheHome, 'twinbuild');
    const names = ['et_EE.UTF-8', 'fr_CH.ISO-8859-1', 'he_IL.UTF-8'];
    const first = counting();
    const shown = await localeCharmaps(first.runner, names, TOOL_PATH, cacheDir);
    requireOrSkip(this, loadsAs(names, shown).every(Boolean), `not all of ${names.join(', ')} installed`);
    expect(first.started).to.deep.equal(['/bin/sh']);
    const second = counting();
    expect(await localeCharmaps(second.runner, names, TOOL_PATH, cacheDir)).to.deep.equal(shown);
    expect(second.started).to.deep.equal([]);
    // Other names, or one that does not load: asked each time, and the no not kept.
    const missing = ['xx_NONE.UTF-8'];
    for (let i = 0; i < 2; i++) {
      const asked = counting();
      expect(loadsAs(missing, await localeCharmaps(asked.runner, missing, TOOL_PATH, cacheDir))).to.deep.equal([false]);
      expect(asked.started).to.deep.equal(['/bin/sh']);
    }
    // A kept answer that says a name does not load (written by hand) is not believed: asked again.
    const [kept] = await readdir(cacheDir);
    await writeFile(join(cacheDir, kept!), 'ANSI_X3.4-1968\nISO-8859-1\nUTF-8\n', { mode: 0o644 });
    const third = counting();
    expect(await localeCharmaps(third.runner, names, TOOL_PATH, cacheDir)).to.deep.equal(shown);
    expect(third.started).to.deep.equal(['/bin/sh']);
    const clean = await runCli(['clean'], { withOut: false, env: { XDG_CACHE_HOME: cacheHome } });
    expect(clean.exitCode, clean.stderr).to.equal(0);
    expect(clean.stdout).to.include(`removed 1 cached file(s) from ${cacheDir}`);
  });
});
