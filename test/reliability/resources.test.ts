// Resources: huge artifacts in constant memory, a full disk as a clear error with
// everything cleaned up, and a 12,000-file tree compared in bounded memory with a
// bounded results.json (the full artifact list in a side file).
import { expect } from 'chai';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { ARTIFACT_LIST_LIMIT, type ArtifactResult, type RunResult } from '../../reports/model.js';
import { checkArgv, cleanupTemp, fixture, requireOrSkip, tempDir } from '../helpers.js';

/** Runs the CLI under GNU time; returns its outcome and the peak RSS in MiB. */
async function checkMeasured(source: string, out: string, ...extra: string[]) {
  const run = await realProcesses.capture(
    ['/usr/bin/time', '-f', 'peak-rss-kib %M', ...checkArgv(source, '--quiet', '--out', out, ...extra)],
    { timeoutMs: 280_000 },
  );
  const kib = Number(/peak-rss-kib (\d+)/.exec(run.stderr)?.[1]);
  return { ...run, peakMiB: kib / 1024 };
}

// The peak RSS of a whole check of a 12,000-file tree (past the 10,000-artifact list limit): the walk, the hashing
// and the lists stay flat in the file count (bench/million-files.mjs measures a million).
const MEMORY_BOUND_MIB = 200;
const FILES = 12_000;

describe('reliability: resources', function () {
  this.timeout(300_000);
  after(cleanupTemp);

  it('compares a 5 GiB artifact in constant memory and sees a difference in its last byte', async () => {
    // Sparse files: 5 GiB to read on each side, almost nothing on disk.
    const source = await fixture(
      'truncate -s 5G out/huge\nif [ "$(umask)" = 0002 ]; then printf x | dd of=out/huge bs=1 seek=5368709119 conv=notrunc 2>/dev/null; fi',
    );
    const out = join(await tempDir('tb-out-'), 'out');
    // the compare is what is measured; a bisect probe would hash 10 GiB again
    const run = await checkMeasured(source, out, '--vary=-all,+umask', '--no-diffoscope', '--no-bisect');
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
      const run = await realProcesses.capture(
        checkArgv(source, '--vary=-all', '--out', join(await tempDir('tb-out-'), 'out')),
        {
          env: { ...(process.env as Record<string, string>), TMPDIR: small },
          timeoutMs: 120_000,
        },
      );
      expect(run.exitCode, run.stderr).to.equal(3);
      expect(run.stdout)
        .to.match(/build failed/)
        .and.to.match(/No space left on device/);
      expect(await readdir(small)).to.deep.equal([]);
    } finally {
      await realProcesses.capture(['umount', small]);
    }
  });

  it(
    'compares a 12,000-file tree (past the 10,000-artifact list limit) in bounded ' +
      'memory: results.json lists the one difference and counts the rest, the side ' +
      'file lists all',
    async () => {
      const source = await fixture(
        [
          `python3 - <<'EOF'`,
          'import os',
          `for d in range(${FILES / 1000}):`,
          '    os.makedirs(f"out/{d}", exist_ok=True)',
          '    for f in range(1000):',
          '        with open(f"out/{d}/{f}", "w") as h: h.write(str(f))',
          'EOF',
          'printf "$(umask)" > out/0/999',
        ].join('\n'),
      );
      const out = join(await tempDir('tb-out-'), 'out');
      const run = await checkMeasured(source, out, '--vary=-all,+umask', '--no-bisect');
      expect(run.exitCode, run.stderr).to.equal(1);
      const pkg = (JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult).packages[0]!;
      // Past ARTIFACT_LIST_LIMIT, results.json keeps only the not-identical artifacts, with counts over all.
      expect(pkg.artifacts.map((a) => [a.path, a.status])).to.deep.equal([['out/0/999', 'differs']]);
      expect(pkg.artifactSummary).to.deep.equal({
        total: FILES,
        identical: FILES - 1,
        notIdentical: 1,
        listed: 'not-identical',
        limit: ARTIFACT_LIST_LIMIT,
        file: 'artifacts/pkg.ndjson',
      });
      const listed = (await readFile(join(out, 'artifacts', 'pkg.ndjson'), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ArtifactResult);
      expect(listed).to.have.length(FILES);
      expect(new Set(listed.map((a) => a.path)).size).to.equal(FILES);
      expect(listed.filter((a) => a.status !== 'identical').map((a) => a.path)).to.deep.equal(['out/0/999']);
      expect(run.peakMiB).to.be.greaterThan(0).and.lessThan(MEMORY_BOUND_MIB);
      const html = await readFile(join(out, 'index.html'), 'utf8');
      expect(html).to.contain(`<h3>Artifacts (${FILES.toLocaleString('en')})</h3>`);
      expect(html).to.contain('<code class="path"><span>out/</span><span>0/</span><span>999</span></code>');
      expect(html).to.contain(
        `… and ${(FILES - 1).toLocaleString('en')} more artifacts (0 of them not ` +
          `identical), all listed in <a href="artifacts/pkg.ndjson">artifacts/pkg.ndjson</a>`,
      );
      // JUnit: a testcase for the listed difference, not one per identical artifact; the side file is named.
      const junit = await readFile(join(out, 'junit.xml'), 'utf8');
      expect(junit.match(/<testcase /g)?.length ?? 0).to.be.lessThan(10);
      expect(junit).to.contain(`${FILES} compared, 1 not identical; all listed in artifacts/pkg.ndjson`);
    },
  );
});
