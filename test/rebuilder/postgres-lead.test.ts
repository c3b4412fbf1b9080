// One coordinator leads a PostgreSQL state (issue 34 item 3): a second one on the
// same database waits, naming the leader's pid, and leads once the first is
// SIGKILLed (PostgreSQL drops the advisory lock with its connection).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { CLI, cleanupTemp, runCli, tempDir } from '../helpers.js';
import { stateStore } from './postgres-cluster.js';
import { serviceConfig } from './service-fixtures.js';

const text = (path: string) => readFile(path, 'utf8').catch(() => '');

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting: ${what}`);
}

describe('rebuilder on PostgreSQL: one coordinator leads, a second waits', function () {
  this.timeout(180_000);
  const store = stateStore('PostgreSQL');
  after(cleanupTemp);

  it('the second logs who leads and waits; once the leader is SIGKILLed it leads', async () => {
    const dir = await tempDir();
    const key = join(dir, 'rebuilder');
    expect((await runCli(['keygen', '--out', key], { withOut: false })).exitCode).to.equal(0);
    const repo = join(dir, 'repo');
    await mkdir(repo);
    for (const index of ['Sources', 'Packages']) await writeFile(join(repo, index), '');
    const config = await serviceConfig(dir, [{ name: 'empty', url: pathToFileURL(repo).href, release: false }], key, {
      pollInterval: 3600,
      ...(await store.config(dir)),
    });
    const start = (name: string) => {
      const controller = new AbortController();
      const log = join(dir, `${name}.log`);
      const done = realProcesses.run({
        argv: ['node', CLI, 'rebuilder', '--config', config],
        env: process.env as Record<string, string>,
        cwd: dir,
        logFile: log,
        signal: controller.signal,
        abortWith: 'SIGKILL',
        timeoutMs: 150_000,
      });
      return { log, done, stop: () => (controller.abort(), done) };
    };
    const first = start('first');
    let second: ReturnType<typeof start> | undefined;
    try {
      await until('the first leads', async () => (await text(first.log)).includes('leading the coordinators'));
      second = start('second');
      const log = second.log;
      await until('the second waits', async () => (await text(log)).includes('waiting to lead'));
      const pid = /\(pid (\d+) on /.exec(await text(log))?.[1];
      expect(pid, await text(log)).to.be.a('string');
      expect((await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')).to.include(config);
      expect(await text(log)).to.not.include('leading the coordinators');

      expect((await first.stop()).signal).to.equal('SIGKILL');
      await until('the second leads', async () => (await text(log)).includes('leading the coordinators'));
      const rows = await store.query<{ pid: number }>(dir, 'SELECT pid FROM leader');
      expect(rows.map((r) => String(r.pid))).to.not.include(pid);
    } finally {
      await Promise.all([first.stop(), second?.stop()]);
    }
  });
});
