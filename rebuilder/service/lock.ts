// One service per state directory: a second run (cron starting a --once while the
// last still runs) would queue the first's running job again and share its work
// directory. The lock is SQLite's own file lock on STATE/lock.db, held in exclusive
// locking mode for the life of the service: the kernel drops it when the holder
// dies, even by kill -9, so a lock whose holder is gone is simply taken over.
// STATE/lock.pid names the holder for the refused run's message (removed on a
// clean exit: one left behind names a holder that died).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TwinbuildError } from '../../core/errors.js';
import { openDatabase } from './sql.js';

export type StateLock = Readonly<{
  /** The pid of a holder that died holding the lock (its lock.pid was left), or null. */
  previous: number | null;
  release: () => void;
}>;

const holder = (file: string): number | null => {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
};

/** Takes the state directory's lock, or fails (exit 2) naming the pid that holds it. */
export function lockState(dir: string): StateLock {
  const db = openDatabase(join(dir, 'lock.db'));
  const pidFile = join(dir, 'lock.pid');
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL); DELETE FROM holder;');
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
  } catch (cause) {
    db.close();
    if ((cause as { code?: string }).code !== 'SQLITE_BUSY') throw cause;
    const pid = holder(pidFile);
    throw new TwinbuildError(
      'config',
      `the state directory ${dir} is in use by another rebuilder (pid ${pid ?? 'unknown'}); ` +
        `run one service per state directory`,
      { cause },
    );
  }
  const previous = holder(pidFile);
  writeFileSync(pidFile, `${process.pid}\n`);
  return {
    previous: previous === process.pid ? null : previous,
    release: () => {
      rmSync(pidFile, { force: true });
      db.close();
    },
  };
}
