// Issue 17, item 10: an immutable file a root build leaves, and an --out disk
// that fills up, keep the verdict: clear exit codes and messages, nothing left.
import { expect } from 'chai';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { checkArgv, cleanupTemp, fixture, onPath, requireOrSkip, runCli, tempDir } from '../helpers.js';

const noStackTrace = (text: string) => expect(text).not.to.match(/\n\s+at .+:\d+:\d+\)?/);

describe('reliability: files that resist, disks that fill', function () {
  this.timeout(120_000);
  after(cleanupTemp);

  it('an immutable file (chattr +i) left by a root build: the verdict stands and the temp root is still removed', async function () {
    requireOrSkip(this, process.getuid?.() === 0, 'chattr +i needs root');
    requireOrSkip(this, (await onPath('chattr')) !== undefined, 'chattr not installed (Debian package e2fsprogs)');
    const source = await fixture(
      'echo same > out/a\necho stuck > stuck\nchattr +i stuck || { echo "chattr refused here" >&2; exit 1; }',
    );
    const tmp = await tempDir('tb-tmp-');
    const run = await realProcesses.capture(
      checkArgv(
        source,
        '--quiet',
        '--vary=-all,+umask', // A sandboxed build has no CAP_LINUX_IMMUTABLE (chattr +i is refused): only an
        // unsandboxed root build can leave such a file, so this one builds unsandboxed.
        '--isolation',
        'sequential',
        '--out',
        join(tmp, '..', `out-${Date.now()}`),
      ),
      {
        env: { ...(process.env as Record<string, string>), TMPDIR: tmp },
        timeoutMs: 120_000,
      },
    );
    requireOrSkip(
      this,
      !/chattr refused here/.test(run.stdout + run.stderr),
      'this filesystem does not take chattr +i',
    );
    expect(run.exitCode, run.stdout + run.stderr).to.equal(0);
    expect(run.stdout).to.match(/^reproducible: pkg: 1 artifact identical/);
    noStackTrace(run.stderr);
    expect(await readdir(tmp)).to.deep.equal([]);
  });

  it('a full --out disk: exit 3 with one line naming it, the verdict still on the console, the temp root gone', async function () {
    requireOrSkip(this, process.getuid?.() === 0, 'mounting a small tmpfs needs root');
    const out = await tempDir('tb-full-');
    const mounted = await realProcesses.capture(['mount', '-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tmpfs', out]);
    expect(mounted.exitCode, mounted.stderr).to.equal(0);
    try {
      // Leave a little room: the lock and the logs fit, the reports do not.
      await writeFile(join(out, 'filler'), Buffer.alloc(60 * 1024)).catch(() => {});
      const source = await fixture('echo same > out/a');
      const run = await runCli(
        [
          'check',
          source,
          '--build',
          'sh build.sh',
          '--artifacts',
          'out/**',
          '--quiet',
          '--vary=-all,+umask',
          '--out',
          out,
        ],
        { withOut: false },
      );
      expect(run.exitCode, run.stdout + run.stderr).to.equal(3);
      expect(run.stdout).to.match(/^reproducible: pkg: 1 artifact identical/);
      expect(
        run.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('twinbuild: could not')),
      ).to.have.length(1);
      expect(run.stderr).to.match(/twinbuild: could not write the reports to .*: ENOSPC/);
      noStackTrace(run.stderr);
    } finally {
      await realProcesses.capture(['umount', out]);
    }
  });
});
