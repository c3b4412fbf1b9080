// One service per state directory (issue 29 item 5): a second run on a state
// directory in use (cron starting a --once while the last still runs) is refused,
// exit 2, naming the holder's pid, and touches nothing; once the holder is killed
// (kill -9: no clean-up at all) the next run takes the lock over.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { CLI, cleanupTemp, runCli, tempDir } from '../helpers.js';
import { serviceConfig } from './service-fixtures.js';

describe('rebuilder: one service per state directory', function () {
  this.timeout(120_000);
  after(cleanupTemp);

  it('a second run while one holds the state: exit 2 naming its pid, nothing touched; after a kill -9 the lock is taken over', async () => {
    const dir = await tempDir();
    const key = join(dir, 'rebuilder');
    expect((await runCli(['keygen', '--out', key], { withOut: false })).exitCode).to.equal(0);
    const repo = join(dir, 'repo');
    await mkdir(repo);
    for (const index of ['Sources', 'Packages']) await writeFile(join(repo, index), '');
    const config = await serviceConfig(dir, [{ name: 'empty', url: pathToFileURL(repo).href, release: false }], key, {
      pollInterval: 3600,
    });
    const statusFile = join(dir, 'publish', 'status.json');
    const controller = new AbortController();
    const holder = realProcesses.run({
      argv: ['node', CLI, 'rebuilder', '--config', config],
      env: process.env as Record<string, string>,
      cwd: dir,
      logFile: join(dir, 'holder.log'),
      signal: controller.signal,
      abortWith: 'SIGKILL',
      timeoutMs: 100_000,
    });
    try {
      for (let i = 0; i < 600 && !existsSync(statusFile); i++) await new Promise((r) => setTimeout(r, 50));
      // Note: the holder writes the status after its poll and again after its drain: read it once it stays the same.
      let before = await readFile(statusFile, 'utf8');
      for (let i = 0; i < 100; i++) {
        await new Promise((r) => setTimeout(r, 300));
        const now = await readFile(statusFile, 'utf8');
        if (now === before) break;
        before = now;
      }

      const second = await runCli(['rebuilder', '--config', config, '--once'], { withOut: false });
      expect(second.exitCode, second.stderr).to.equal(2);
      expect(second.stderr.trim().split('\n')).to.have.length(1);
      const pid =
        /^twinbuild: the state directory \S+ is in use by another rebuilder \(pid (\d+)\); run one service per state directory$/.exec(
          second.stderr.trim(),
        )?.[1];
      expect(pid, second.stderr).to.be.a('string');
      // The pid named is the running service's.
      const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
      expect(cmdline).to.include('rebuilder').and.include(config);
      expect(await readFile(statusFile, 'utf8'), 'the refused run wrote the status').to.equal(before);

      controller.abort();
      expect((await holder).signal).to.equal('SIGKILL');
      const after = await runCli(['rebuilder', '--config', config, '--once'], { withOut: false });
      expect(after.exitCode, after.stderr).to.equal(0);
      expect(after.stderr).to.include(`(pid ${pid}) is gone; its lock is taken over`);
      expect(existsSync(join(dir, 'state', 'lock.pid')), 'a clean exit leaves no lock.pid').to.equal(false);
    } finally {
      controller.abort();
      await holder;
    }
  });
});
