// Availability checks: what a variation needs is checked before any build.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkVariations, findOnPath, parseCpuList } from '../../../engine/prepare/availability.js';
import { realProcesses, type ProcessRunner } from '../../../adapters/process.js';
import { REGISTRY, findVariation } from '../../../variations/index.js';
import { cleanupTemp, requireOrSkip, tempDir } from '../../helpers.js';

// Real processes, except that glibc is asked with an empty LOCPATH-less view:
// `locale charmap` reports ASCII for every installed locale asked about (one shell
// asks for them all, adapters/locales.ts), as on a fresh machine that has none of the
// experiment locales installed.
const withoutInstalledLocales: ProcessRunner = {
  run: realProcesses.run,
  passthrough: realProcesses.passthrough,
  capture: (argv, options) =>
    argv[0] === '/bin/sh' && argv[3] === 'twinbuild-locales'
      ? Promise.resolve({
          exitCode: 0,
          stdout: argv
            .slice(4)
            .map((_, i) => `${i + 1} ANSI_X3.4-1968`)
            .join('\n'),
          stderr: '',
          failed: false,
        })
      : realProcesses.capture(argv, options),
};

describe('engine/prepare/availability', function () {
  after(cleanupTemp);

  it('finds tools on PATH and not elsewhere', async () => {
    expect(await findOnPath('sh', process.env['PATH'] ?? '')).to.match(/\/sh$/);
    expect(await findOnPath('twinbuild-no-such-tool', process.env['PATH'] ?? '')).to.equal(undefined);
  });

  it('without namespaces, marks the namespace-only variations unavailable, each with its reason', async () => {
    const { availability } = await checkVariations(
      REGISTRY,
      realProcesses,
      await tempDir(),
      false,
      process.env['PATH'] ?? '',
    );
    const unavailable = availability.filter((a) => !a.available);
    expect(unavailable.map((a) => a.name)).to.include.members(['fileordering', 'user_group', 'domain_host', 'shell']);
    for (const a of unavailable) expect(a.reason).to.be.a('string').and.not.empty;
    const withNamespaces = await checkVariations(
      REGISTRY,
      realProcesses,
      await tempDir(),
      true,
      process.env['PATH'] ?? '',
    );
    expect(withNamespaces.availability.find((a) => a.name === 'domain_host')?.available).to.equal(true);
  });

  it('expands CPU lists as /proc prints them', () => {
    expect(parseCpuList('0-3,6,8-9')).to.deep.equal([0, 1, 2, 3, 6, 8, 9]);
    expect(parseCpuList('0')).to.deep.equal([0]);
  });

  it('generates a missing experiment locale privately and the locale really sorts differently', async function () {
    requireOrSkip(
      this,
      (await findOnPath('localedef', process.env['PATH'] ?? '')) !== undefined,
      'localedef missing (Debian package locales)',
    );
    requireOrSkip(this, existsSync('/usr/share/i18n/locales/et_EE'), 'no et_EE locale source (Debian package locales)');
    this.timeout(60_000);
    const scratch = await tempDir();
    const { availability, host } = await checkVariations(
      [findVariation('locales')!],
      withoutInstalledLocales,
      scratch,
      true,
      process.env['PATH'] ?? '',
    );
    expect(availability[0]).to.include({ name: 'locales', available: true });
    expect(availability[0]?.note).to.match(/generated privately/);
    expect(host.localePath).to.equal(join(scratch, 'locales'));
    expect(host.locales).to.have.members(['et_EE.UTF-8', 'fr_CH.ISO-8859-1', 'he_IL.UTF-8']);
    const sorted = async (locale: Record<string, string>) =>
      (
        await realProcesses.capture(['sort'], {
          env: { PATH: process.env['PATH'] ?? '', LOCPATH: host.localePath!, ...locale },
          input: 'b\nA\na\nB\n',
        })
      ).stdout;
    expect(await sorted({ LC_ALL: 'et_EE.UTF-8' })).to.equal('A\na\nB\nb');
    expect(await sorted({ LANG: 'C.UTF-8' })).to.equal('A\nB\na\nb');
  });
});
