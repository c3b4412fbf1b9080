// Running twinbuild without root: where the kernel lets an unprivileged user
// create user namespaces, the two builds still run at the same time in private
// namespaces, and the variations that need them are varied, not skipped.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import type { RunResult } from '../../reports/model.js';
import { CLI, cleanupTemp, onPath, requireOrSkip, tempDir } from '../helpers.js';

const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

describe('install: twinbuild without root', function () {
  this.timeout(240_000);
  after(cleanupTemp);

  it('uses user namespaces where the kernel allows them: builds in parallel, domain_host and shell varied', async function () {
    requireOrSkip(
      this,
      process.getuid?.() === 0 && Boolean(await onPath('setpriv')),
      'needs root and setpriv to become an unprivileged user',
    );
    const allowed = await realProcesses.capture([
      ...NOBODY,
      'unshare',
      '--user',
      '--map-root-user',
      '--mount',
      '--pid',
      '--fork',
      'true',
    ]);
    requireOrSkip(
      this,
      allowed.exitCode === 0,
      `unprivileged user namespaces are not allowed here (${allowed.stderr.trim()})`,
    );
    const base = await tempDir('tb-nobody-');
    await chmod(base, 0o755);
    const pkg = join(base, 'pkg');
    const home = join(base, 'home');
    const tmp = join(base, 'tmp');
    await Promise.all([mkdir(pkg), mkdir(home), mkdir(tmp)]);
    await Promise.all([chmod(home, 0o777), chmod(tmp, 0o1777)]);
    await writeFile(
      join(pkg, 'build.sh'),
      'set -eu\nmkdir -p out\nhostname > out/host.txt\necho same > out/same.txt\n',
    );
    const out = join(tmp, 'out');
    const run = await realProcesses.capture(
      [
        ...NOBODY,
        'node',
        CLI,
        'check',
        pkg,
        '--build',
        'sh build.sh',
        '--artifacts',
        'out/**',
        '--no-bisect',
        '--no-diffoscope',
        '--quiet',
        '--out',
        out,
      ],
      { env: { ...process.env, HOME: home, TMPDIR: tmp } as Record<string, string>, timeoutMs: 200_000 },
    );
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1); // the hostname leaks
    const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult;
    const [only] = result.packages;
    expect(only?.isolation).to.equal('namespaces');
    const status = Object.fromEntries((only?.variations ?? []).map((v) => [v.name, v.status]));
    expect(status['domain_host']).to.equal('varied');
    expect(status['shell']).to.equal('varied');
    // The sandbox maps any uid into the build's user namespace: no root needed, and the
    // effectiveness probe saw the experiment's own uid:gid.
    const userGroup = only?.variations.find((v) => v.name === 'user_group');
    expect(userGroup?.status, userGroup?.reason ?? '').to.equal('varied');
    expect(only?.artifacts.find((a) => a.path === 'out/host.txt')?.status).to.equal('differs');
  });
});
