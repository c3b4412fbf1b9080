// The rebuilder with a hostile package in a watched repository (issue 28): its
// debian/rules reaches for the rebuilder's signing key, its state, its config and
// its publish dir, by path and through /proc, and prints whatever it finds into the
// build log that the rebuilder publishes. Nothing of the key may leave, no forged
// link lands, and the other package in the same repository is still verified.
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { canUseMountNamespaces } from '../../adapters/namespaces.js';
import { realProcesses } from '../../adapters/process.js';
import { cleanupTemp, requireOrSkip, runCli, tempDir } from '../helpers.js';
import { expectAttacksFailed, hostileUpload } from './hostile-fixture.js';
import { flatRepository, officialUpload, serveDirectory, serviceConfig } from './service-fixtures.js';

describe('rebuilder: a hostile package in a watched repository', function () {
  this.timeout(600_000);
  after(cleanupTemp);

  it(
    'reads no key, state or config (by path or through /proc), plants no link; nothing of the key ' +
      'is published; the other package is verified',
    async function () {
      requireOrSkip(this, await canUseMountNamespaces(realProcesses), 'no sandbox here (bubblewrap or namespaces)');
      const dir = await tempDir();
      await mkdir(join(dir, 'keys'));
      const key = join(dir, 'keys', 'rebuilder');
      expect((await runCli(['keygen', '--out', key], { withOut: false })).exitCode).to.equal(0);
      const targets = {
        key,
        state: join(dir, 'state'),
        config: join(dir, 'rebuilder.json'),
        publish: join(dir, 'publish'),
      };
      const hostile = await hostileUpload('tinyhostile', [targets]);
      const hello = await officialUpload('tinyhello');
      const http = await serveDirectory(await flatRepository(join(dir, 'distro'), [hostile, hello]));
      try {
        await serviceConfig(dir, [{ name: 'distro', url: `${http.url}/` }], key);
        const run = await runCli(['rebuilder', '--config', targets.config, '--once'], {
          withOut: false,
          timeoutMs: 300_000,
        });
        expect(run.exitCode, run.stderr).to.equal(0);
        expect(run.stdout).to.match(/verified 2 · mismatch 0 · errors 0/);
        await expectAttacksFailed(targets.publish, key);
        // Both links published: the hostile package rebuilt the same bytes, so it is verified like any other.
        for (const name of ['tinyhostile', 'tinyhello'])
          expect((await stat(join(targets.publish, 'sources', name, '1.0', 'metadata'))).isFile()).to.equal(true);
      } finally {
        await http.close();
      }
    },
  );
});
