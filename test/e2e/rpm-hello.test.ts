// End to end on real upstream code as an RPM: GNU hello 2.10's own tarball (Debian
// ships it unchanged as hello_2.10.orig.tar.gz, fetched through the private apt dir
// of scripts/debian-sources.mjs) with the spec in test/fixtures/rpm/hello.
// Opt-in (TWINBUILD_E2E=1): it downloads from the Debian mirror and each check
// builds hello several times, minutes each.
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { sha256File } from '../../core/hash.js';
import type { PackageResult } from '../../reports/model.js';
import { REPO_ROOT, cleanupTemp, onPath, optIn, requireOrSkip, runCli, tempDir } from '../helpers.js';

// GNU's published sha256 of hello-2.10.tar.gz: the tarball is upstream's, byte for byte.
const UPSTREAM_SHA256 = '31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b';
const RPM = 'RPMS/x86_64/hello-2.10-1.x86_64.rpm';

const headerValues = (text: string, tag: string) =>
  [...text.matchAll(new RegExp(`^│ ([-+])${tag}: (.*)$`, 'gm'))].map((m) => `${m[1]}${m[2]}`);
// diffoscope's HTML shows a space as a `·` span and marks changed digits with <del>/<ins>.
const plainText = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/·/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

describe('e2e: GNU hello 2.10 as an RPM', function () {
  this.timeout(90 * 60_000);
  let source: string;
  after(cleanupTemp);
  before(async function () {
    optIn(
      this,
      process.env['TWINBUILD_E2E'] === '1',
      'set TWINBUILD_E2E=1 to fetch GNU hello and build it as an RPM (minutes)',
    );
    requireOrSkip(
      this,
      Boolean(await onPath('rpmbuild')) && Boolean(await onPath('gcc')),
      'rpmbuild and gcc are needed',
    );
    const fetched = await realProcesses.capture(['node', join(REPO_ROOT, 'scripts', 'debian-sources.mjs'), 'hello'], {
      timeoutMs: 10 * 60_000,
    });
    expect(fetched.exitCode, fetched.stderr).to.equal(0);
    const dsc = /^hello\t(.+\.dsc)$/m.exec(fetched.stdout)?.[1];
    expect(dsc, fetched.stdout + fetched.stderr).to.be.a('string');
    const tarball = join(dirname(dsc!), 'hello_2.10.orig.tar.gz');
    expect(await sha256File(tarball)).to.equal(UPSTREAM_SHA256);
    source = join(await tempDir(), 'hello');
    await mkdir(source);
    await copyFile(join(REPO_ROOT, 'test', 'fixtures', 'rpm', 'hello', 'hello.spec'), join(source, 'hello.spec'));
    await copyFile(tarball, join(source, 'hello-2.10.tar.gz'));
  });

  const diffoscopeOf = async (out: string, pkg: PackageResult) => {
    const diff = pkg.diffoscope.find((d) => d.artifact === RPM);
    expect(diff?.tool, JSON.stringify(pkg.diffoscope)).to.equal('diffoscope');
    return { text: await readFile(join(out, diff!.text!), 'utf8'), html: diff!.html! };
  };

  it("the stock spec: unreproducible, BUILDTIME and BUILDHOST differ, and index.html links diffoscope's RPM header diff", async () => {
    // diffoscope's HTML shows 128 lines of a diff block by default, which hello's header
    // hex dump (HEADERIMMUTABLE) fills before BUILDTIME (0 does not lift it; 1024 is
    // diffoscope's own --max-diff-block-lines); the text report has it all.
    const run = await runCli(
      ['check', source, '--quiet', '--no-bisect', '--diffoscope-arg=--max-page-diff-block-lines=1024'],
      { timeoutMs: 40 * 60_000 },
    );
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.artifacts.map((a) => a.path)).to.deep.equal([RPM]);
    const { text, html } = await diffoscopeOf(run.out, pkg);
    const times = headerValues(text, 'BUILDTIME');
    expect(times).to.have.length(2);
    expect(times[0]!.slice(1)).to.not.equal(times[1]!.slice(1));
    expect(headerValues(text, 'BUILDHOST')).to.have.length(2);
    const index = await readFile(join(run.out, 'index.html'), 'utf8');
    expect(index).to.include(`href="${html}"`);
    const shown = [...plainText(await readFile(join(run.out, html), 'utf8')).matchAll(/BUILDTIME: (\d+)/g)].map(
      (m) => m[1],
    );
    expect(new Set(shown).size, shown.join(' ')).to.equal(2);
    // The diagnosis (issue 31): the build time, with the RPM macros that pin it, never "no variation is blamed".
    const types = pkg.diagnoses.map((d) => d.type);
    expect(types, JSON.stringify(pkg.diagnoses)).to.include.members(['rpm_buildtime', 'rpm_buildhost']);
    const buildtime = pkg.diagnoses.find((d) => d.type === 'rpm_buildtime')!;
    expect(buildtime.basis).to.equal('clock');
    expect(buildtime.fix).to.include('%use_source_date_epoch_as_buildtime');
    expect(run.stdout).to.include(`→ ${buildtime.title}: ${buildtime.fix}`).and.not.include('no variation is blamed');
  });

  it(
    '--rpm-reproducible-macros: BUILDTIME and BUILDHOST pinned; bisect names ' +
      'build_path (ELF build-id) and shell (brp-compress)',
    async () => {
      const run = await runCli(['check', source, '--quiet', '--rpm-reproducible-macros'], { timeoutMs: 80 * 60_000 });
      expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
      const pkg = (await run.results()).packages[0]!;
      const { text } = await diffoscopeOf(run.out, pkg);
      expect(headerValues(text, 'BUILDTIME')).to.deep.equal([]);
      expect(headerValues(text, 'BUILDHOST')).to.deep.equal([]);
      expect(pkg.bisect.status).to.equal('done');
      // The build path is in the debug info, so in the ELF build-id and /usr/lib/.build-id/;
      // Debian's brp-compress fails under dash, so only a bash /bin/sh compresses the man page.
      expect(pkg.culprits.map((c) => c.variations)).to.deep.equal([['build_path'], ['shell']]);
      expect(text).to.match(/Build ID: [0-9a-f]{40}/);
      expect(text).to.match(/hello\.1\.gz/);
    },
  );
});
