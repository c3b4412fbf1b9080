// After every test: no new twinbuild temp dir in the default temp dir, no FUSE or
// twinbuild mount, and no disorderfs or namespace-entry process left behind.
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { realProcesses } from '../harness/process.js';

type Leftovers = Readonly<{ tempDirs: string[]; mounts: string[]; processes: string[] }>;

async function snapshot(): Promise<Leftovers> {
  const tempDirs = (await readdir(tmpdir())).filter((n) => n.startsWith('twinbuild-'));
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .filter((l) => l.includes('disorderfs') || l.includes('/twinbuild-'));
  const found = await realProcesses.capture(['pgrep', '-a', '-f', '^disorderfs|harness/enter.sh']);
  const processes = found.stdout.split('\n').filter(Boolean).map((l) => l.replace(/^\d+ /, ''));
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
};
