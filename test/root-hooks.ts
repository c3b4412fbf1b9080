// The test run gets a private TMPDIR (inherited by every twinbuild it starts), and
// after every test there must be no new twinbuild temp dir in it, no FUSE or
// twinbuild mount below it, and no disorderfs or namespace-entry process working
// in it. Scoping to this run's TMPDIR keeps another run on the machine (a second
// checkout's tests, a benchmark) from failing this one.
import { chmodSync, mkdtempSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realProcesses } from '../adapters/process.js';

const RUN_TMP = mkdtempSync(join(tmpdir(), 'tb-testrun-'));
chmodSync(RUN_TMP, 0o711); // as /tmp would be: an unprivileged experiment must traverse it
process.env['TMPDIR'] = RUN_TMP;

type Leftovers = Readonly<{ tempDirs: string[]; mounts: string[]; processes: string[] }>;

async function snapshot(): Promise<Leftovers> {
  const tempDirs = (await readdir(RUN_TMP)).filter((n) => n.startsWith('twinbuild-'));
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.includes(RUN_TMP));
  const found = await realProcesses.capture(['pgrep', '-a', '-f', '^disorderfs|adapters/enter.sh']);
  const processes = found.stdout
    .split('\n')
    .filter((l) => l.includes(RUN_TMP))
    .map((l) => l.replace(/^\d+ /, ''));
  return { tempDirs, mounts, processes };
}

const added = (before: string[], after: string[]) => after.filter((x) => !before.includes(x));

let before: Leftovers;

export const mochaHooks = {
  async beforeEach() {
    before = await snapshot();
  },
  async afterEach() {
    const after = await snapshot();
    const left = {
      tempDirs: added(before.tempDirs, after.tempDirs),
      mounts: added(before.mounts, after.mounts),
      processes: added(before.processes, after.processes),
    };
    if (left.tempDirs.length || left.mounts.length || left.processes.length) {
      throw new Error(`test left state behind: ${JSON.stringify(left)}`);
    }
  },
  async afterAll() {
    await rm(RUN_TMP, { recursive: true, force: true });
  },
};
