// Who owns a temp root: the twinbuild process that made it, named so that a
// recycled pid, a reboot or another pid namespace is never taken for it.
import { lstat, readFile, readlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** The marker file in every temp root. */
export const OWNER_FILE = '.twinbuild-owner';

export type Owner = Readonly<{
  pid: number;
  /** Field 22 of /proc/PID/stat (clock ticks since boot): a reused pid has another. */
  start: string;
  /** /proc/sys/kernel/random/boot_id: pids and start times only mean something within one boot. */
  boot: string;
  /** The pid namespace, e.g. "pid:[4026531836]": another namespace's pids are not ours to look up. */
  pidns: string;
  host: string;
  /** Made with --keep: the user asked for it to stay. */
  kept?: true;
}>;

/** A process's start time, or undefined when no such process is visible. */
export async function processStart(pid: number | 'self'): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // The command name (field 2) may hold spaces and parentheses: count after the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

export async function currentOwner(): Promise<Owner> {
  const [start, boot, pidns] = await Promise.all([
    processStart('self'),
    readFile('/proc/sys/kernel/random/boot_id', 'utf8').then(
      (b) => b.trim(),
      () => '',
    ),
    readlink('/proc/self/ns/pid').catch(() => ''),
  ]);
  return { pid: process.pid, start: start ?? '', boot, pidns, host: hostname() };
}

export const writeOwner = (root: string, owner: Owner): Promise<void> =>
  writeFile(join(root, OWNER_FILE), JSON.stringify(owner) + '\n', { mode: 0o644, flag: 'wx' });

/** The marker of a root, or undefined when it is missing, not a plain file or not one of ours. */
export async function readOwner(root: string): Promise<Owner | undefined> {
  const path = join(root, OWNER_FILE);
  try {
    const info = await lstat(path);
    if (!info.isFile() || info.size > 4096) return undefined;
    const owner = JSON.parse(await readFile(path, 'utf8')) as Partial<Owner>;
    const strings = [owner.start, owner.boot, owner.pidns, owner.host].every((v) => typeof v === 'string');
    return Number.isInteger(owner.pid) && (owner.pid ?? 0) > 0 && strings ? (owner as Owner) : undefined;
  } catch {
    return undefined;
  }
}
