import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { expect } from 'chai';
import { realProcesses } from '../../../adapters/process.js';
import { REGISTRY } from '../../../variations/index.js';
import { cleanupTemp, onPath, requireOrSkip, runCli, toolFarm } from '../../helpers.js';

// What doctor checks, written out here so its verdict is compared with facts it did not compute.
const TOOLS = [
  'unshare',
  'mountpoint',
  'localedef',
  'diffoscope',
  'setarch',
  'taskset',
  'setpriv',
  'faketime',
  'disorderfs',
  'hostname',
  'domainname',
  'dash',
  'bash',
  'nice',
];
const LOCALES = ['et_EE', 'fr_CH', 'he_IL'];

type Fact = Readonly<{ what: string; ok: boolean; shown: RegExp }>;

/** This machine, as the test sees it; `shown` is how doctor's output must name the fact when it is missing. */
async function machineFacts(): Promise<Fact[]> {
  const tools = await Promise.all(
    TOOLS.map(async (name) => ({
      what: `${name} on PATH`,
      ok: (await onPath(name)) !== undefined,
      shown: new RegExp(`MISSING ${name} `),
    })),
  );
  const root = process.getuid?.() === 0;
  // The same mount a build's namespace needs; run by the test, not through doctor's probe.
  const namespaces =
    (
      await realProcesses.capture([
        'unshare',
        '--mount',
        '--propagation',
        'private',
        '--pid',
        '--fork',
        '/bin/sh',
        '-c',
        'mount -t tmpfs none /mnt',
      ])
    ).exitCode === 0;
  const fs = await statfs(tmpdir());
  const installed = (await realProcesses.capture(['locale', '-a'])).stdout;
  const locales = LOCALES.some((l) => installed.includes(l) || existsSync(`/usr/share/i18n/locales/${l}`));
  return [
    ...tools,
    { what: 'root', ok: root, shown: /no +root/ },
    { what: '/dev/fuse', ok: existsSync('/dev/fuse'), shown: /SKIPPED fileordering/ },
    { what: 'a build sandbox (bubblewrap, user namespaces)', ok: namespaces, shown: /no +build sandbox/ },
    { what: '≥2 CPUs', ok: availableParallelism() >= 2, shown: /SKIPPED num_cpus/ },
    { what: `≥2 GiB free in ${tmpdir()}`, ok: fs.bavail * fs.bsize >= 2 * 1024 ** 3, shown: /LOW .* free in/ },
    { what: `one of the ${LOCALES.join(', ')} locales`, ok: locales, shown: /SKIPPED locales/ },
  ];
}

describe('twinbuild doctor', function () {
  after(cleanupTemp);

  it('checks every tool a variation needs (the list above is complete)', () => {
    const needed = REGISTRY.flatMap((v) => v.needs.flatMap((n) => (n.kind === 'tool' ? [n.name] : [])));
    expect(TOOLS).to.include.members(needed);
  });

  it('agrees with the machine: exit 0 and "everything available" exactly when every fact holds (all of them in CI)', async function () {
    const facts = await machineFacts();
    // In CI every fact must hold; locally a missing one is reported, and doctor must say so too.
    if (process.env['CI'] === 'true') for (const fact of facts) requireOrSkip(this, fact.ok, fact.what);
    const missing = facts.filter((f) => !f.ok);
    const run = await runCli(['doctor'], { withOut: false });
    if (missing.length === 0) {
      expect(run.exitCode, run.stdout).to.equal(0);
      expect(run.stdout).to.match(/doctor: everything twinbuild can vary is available here/);
      expect(run.stdout).not.to.match(/MISSING|SKIPPED|LOW|^ {2}no /m);
    } else {
      console.warn(`      missing here: ${missing.map((f) => f.what).join(', ')}`);
      expect(run.exitCode, run.stdout).to.equal(3);
      expect(run.stdout).to.match(/doctor: not everything is available/);
      for (const fact of missing) expect(run.stdout, fact.what).to.match(fact.shown);
    }
  });

  it('exits 3 when tools are missing, naming them, their packages and the variations they cost', async () => {
    const path = await toolFarm(['disorderfs', 'faketime']);
    const run = await runCli(['doctor'], { withOut: false, env: { PATH: path } });
    expect(run.exitCode).to.equal(3);
    expect(run.stdout).to.match(/MISSING disorderfs +\(Debian package disorderfs\)/);
    expect(run.stdout).to.match(/SKIPPED time +faketime not found \(Debian package faketime\)/);
    expect(run.stdout).to.match(/SKIPPED fileordering/);
    expect(run.stdout).to.match(/apt-get install -y --no-install-recommends (faketime disorderfs|disorderfs faketime)/);
  });
});
