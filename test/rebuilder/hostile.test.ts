// The rebuilder with a hostile package in a watched repository (issue 28): its
// debian/rules reaches for the rebuilder's signing key, its state and its config,
// by path and through /proc, and prints whatever it finds into the build log that
// the rebuilder publishes. Nothing of the key may leave, and the other package in
// the same repository is still verified.
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { canUseMountNamespaces } from '../../adapters/namespaces.js';
import { realProcesses } from '../../adapters/process.js';
import { cleanupTemp, requireOrSkip, runCli, tempDir } from '../helpers.js';
import { flatRepository, officialUpload, serveDirectory, serviceConfig, type Upload } from './service-fixtures.js';

/** Every file below `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('rebuilder: a hostile package in a watched repository', function () {
  this.timeout(600_000);
  after(cleanupTemp);

  it(
    'reads no key, state or config (by path or through /proc); nothing of the key ' +
      'is published; the other package is verified',
    async function () {
      requireOrSkip(this, await canUseMountNamespaces(realProcesses), 'no sandbox here (bubblewrap or namespaces)');
      const dir = await tempDir();
      await mkdir(join(dir, 'keys'));
      const key = join(dir, 'keys', 'rebuilder');
      expect((await runCli(['keygen', '--out', key], { withOut: false })).exitCode).to.equal(0);
      const state = join(dir, 'state');
      const config = join(dir, 'rebuilder.json');
      // What the rules print does not reach the package: the official build (here, as
      // root, outside twinbuild) and the rebuild make the same .deb whatever they read.
      const attacks = [
        `@echo "attack key: $$(head -c 40 ${key} 2>/dev/null || echo unreadable)"`,
        `@echo "attack key-proc: $$(for p in /proc/[0-9]*; do head -c 40 $$p/root${key} 2>/dev/null; done; echo end)"`,
        `@echo "attack state: $$(ls ${state} 2>/dev/null | tr '\\n' ' '; echo end)"`,
        `@echo "attack config: $$(head -c 40 ${config} 2>/dev/null || echo unreadable)"`,
        `@echo "attack processes: $$(ls -d /proc/[0-9]* | wc -l)"`,
      ];
      const hostile: Upload = await officialUpload('tinyhostile', undefined, {
        'debian/rules': `#!/usr/bin/make -f\n%:\n\tdh $@\n\noverride_dh_auto_build:\n\t${attacks.join('\n\t')}\n\tdh_auto_build\n`,
      });
      const hello = await officialUpload('tinyhello');
      const http = await serveDirectory(await flatRepository(join(dir, 'distro'), [hostile, hello]));
      try {
        await serviceConfig(dir, [{ name: 'distro', url: `${http.url}/` }], key);
        const run = await runCli(['rebuilder', '--config', config, '--once'], { withOut: false, timeoutMs: 300_000 });
        expect(run.exitCode, run.stderr).to.equal(0);
        expect(run.stdout).to.match(/verified 2 · mismatch 0 · errors 0/);

        const published = await filesUnder(join(dir, 'publish'));
        const texts = await Promise.all(published.map((f) => readFile(f, 'latin1')));
        const logs = texts.filter((t) => t.includes('attack key:'));
        expect(logs, 'the hostile build log is published').to.have.length.greaterThan(0);
        const keyText = await readFile(key, 'utf8');
        const keyLine = keyText.split('\n').find((l) => l.length > 20 && !l.startsWith('-----')) ?? keyText;
        for (const [i, text] of texts.entries()) {
          expect(text, published[i]).to.not.include(keyLine);
          expect(text, published[i]).to.not.include('BEGIN PRIVATE KEY');
        }
        const log = logs[0]!;
        expect(log).to.match(/attack key: unreadable/);
        expect(log).to.match(/attack key-proc: end/);
        expect(log).to.match(/attack state: end/);
        expect(log).to.match(/attack config: unreadable/);
        const processes = Number(/attack processes: (\d+)/.exec(log)?.[1]);
        expect(processes).to.be.below(40);
        // Both links published: the hostile package rebuilt the same bytes, so it is verified like any other.
        for (const name of ['tinyhostile', 'tinyhello'])
          expect((await stat(join(dir, 'publish', 'sources', name, '1.0', 'metadata'))).isFile()).to.equal(true);
      } finally {
        await http.close();
      }
    },
  );
});
