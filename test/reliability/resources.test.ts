// Resources: huge artifacts in constant memory, a full disk as a clear error with
// everything cleaned up, and a 100,000-file tree whose HTML report stays usable.
import { expect } from 'chai';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { MAX_ARTIFACT_ROWS } from '../../reports/html.js';
import type { RunResult } from '../../reports/model.js';
import { CLI, cleanupTemp, fixture, requireOrSkip, runCli, tempDir } from '../helpers.js';

/** Runs the CLI under GNU time; returns its outcome and the peak RSS in MiB. */
async function checkMeasured(source: string, out: string, ...extra: string[]) {
  const run = await realProcesses.capture(
    ['/usr/bin/time', '-f', 'peak-rss-kib %M', 'node', CLI, 'check', source, '--build', 'sh build.sh', '--artifacts', 'out/**', '--quiet', '--out', out, ...extra],
    { timeoutMs: 240_000 },
  );
  const kib = Number(/peak-rss-kib (\d+)/.exec(run.stderr)?.[1]);
  return { ...run, peakMiB: kib / 1024 };
}

describe('reliability: resources', function () {
  this.timeout(300_000);
  after(cleanupTemp);

  it('compares a 5 GiB artifact in constant memory and sees a difference in its last byte', async () => {
    // Sparse files: 5 GiB to read on each side, almost nothing on disk.
    const source = await fixture('truncate -s 5G out/huge\nif [ "$(umask)" = 0002 ]; then printf x | dd of=out/huge bs=1 seek=5368709119 conv=notrunc 2>/dev/null; fi');
    const out = join(await tempDir('tb-out-'), 'out');
    const run = await checkMeasured(source, out, '--vary=-all,+umask', '--no-diffoscope');
    expect(run.exitCode, run.stderr).to.equal(1);
    const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult;
    const huge = result.packages[0]!.artifacts[0]!;
    expect(huge.size).to.deep.equal({ control: 5 * 1024 ** 3, experiment: 5 * 1024 ** 3 });
    expect(huge.status).to.equal('differs');
    expect(run.peakMiB).to.be.greaterThan(0).and.lessThan(150);
  });

  it('a build that fills the disk is exit 3 saying so, and its temp dirs are gone', async function () {
    requireOrSkip(this, process.getuid?.() === 0, 'mounting a small tmpfs needs root');
    const small = await tempDir('tb-small-');
    const mounted = await realProcesses.capture(['mount', '-t', 'tmpfs', '-o', 'size=16m,mode=0711', 'tmpfs', small]);
    expect(mounted.exitCode, mounted.stderr).to.equal(0);
    try {
      const source = await fixture('dd if=/dev/zero of=out/fill bs=1M count=64');
      const run = await realProcesses.capture(['node', CLI, 'check', source, '--build', 'sh build.sh', '--artifacts', 'out/**', '--vary=-all', '--out', join(await tempDir('tb-out-'), 'out')], {
        env: { ...(process.env as Record<string, string>), TMPDIR: small },
        timeoutMs: 120_000,
      });
      expect(run.exitCode, run.stderr).to.equal(3);
      expect(run.stdout).to.match(/build failed/).and.to.match(/No space left on device/);
      expect(await readdir(small)).to.deep.equal([]);
    } finally {
      await realProcesses.capture(['umount', small]);
    }
  });

  it('compares a 100,000-file tree; the HTML lists the differences first and counts the rest', async () => {
    const source = await fixture([
      `python3 - <<'EOF'`,
      'import os',
      'for d in range(100):',
      '    os.makedirs(f"out/{d}", exist_ok=True)',
      '    for f in range(1000):',
      '        with open(f"out/{d}/{f}", "w") as h: h.write(str(f))',
      'EOF',
      'printf "$(umask)" > out/0/999',
    ].join('\n'));
    const run = await runCli(['check', source, '--build', 'sh build.sh', '--artifacts', 'out/**', '--quiet', '--vary=-all,+umask', '--no-bisect'], { timeoutMs: 280_000 });
    expect(run.exitCode, run.stderr).to.equal(1);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.artifacts).to.have.length(100_000);
    expect(pkg.artifacts.filter((a) => a.status !== 'identical').map((a) => a.path)).to.deep.equal(['out/0/999']);
    const html = await readFile(join(run.out, 'index.html'), 'utf8');
    const rows = html.match(/<tr><td><code>out\//g) ?? [];
    expect(rows).to.have.length(MAX_ARTIFACT_ROWS);
    expect(html).to.contain(`… and ${(100_000 - MAX_ARTIFACT_ROWS).toLocaleString('en')} more artifacts (0 of them not identical)`);
    // The one difference is shown, first.
    expect(html.indexOf('<code>out/0/999</code>')).to.be.greaterThan(-1).and.lessThan(html.indexOf('<code>out/0/0</code>'));
  });
});
