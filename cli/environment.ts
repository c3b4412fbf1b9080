// The one reader of the process's surroundings: environment variables, the
// working directory and facts of this host. Everything below the CLI gets what
// it needs from here as plain values.
import { availableParallelism, hostname, release, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { HostInfo } from '../reports/model.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export type CliEnvironment = Readonly<{
  cwd: string;
  /** PATH for builds and twinbuild's own tools. */
  path: string;
  /** Where temp roots go (TMPDIR). */
  tempDir: string;
  /** The user's home (HOME), which no build may see; null when unset. */
  home: string | null;
  /** The variables a command may consult (DEB_BUILD_OPTIONS, CI_NODE_*), and the whole set for apt-get. */
  vars: Readonly<Record<string, string | undefined>>;
  isRoot: boolean;
  cpus: number;
  /** The node binary running twinbuild (the pre-push hook calls it). */
  nodePath: string;
  /** twinbuild's cache: XDG_CACHE_HOME/twinbuild, else HOME/.cache/twinbuild; null without either. */
  cacheDir: string | null;
}>;

// Only an absolute XDG_CACHE_HOME counts (the XDG base directory rules).
function cacheDirOf(xdg: string | undefined, home: string | undefined): string | null {
  if (xdg && isAbsolute(xdg)) return join(xdg, 'twinbuild');
  return home && isAbsolute(home) ? join(home, '.cache', 'twinbuild') : null;
}

export function readEnvironment(): CliEnvironment {
  return Object.freeze({
    cwd: process.cwd(),
    path: process.env['PATH'] || DEFAULT_PATH,
    tempDir: tmpdir(),
    home: process.env['HOME'] || null,
    vars: Object.freeze({ ...process.env }),
    isRoot: process.getuid?.() === 0,
    cpus: availableParallelism(),
    nodePath: process.execPath,
    cacheDir: cacheDirOf(process.env['XDG_CACHE_HOME'], process.env['HOME']),
  });
}

export const hostInfo = (): HostInfo => ({
  hostname: hostname(),
  platform: process.platform,
  arch: process.arch,
  kernel: release(),
  cpus: availableParallelism(),
  node: process.version,
  uid: process.getuid?.() ?? -1,
});

/** A path as the user should see it: relative to where they ran twinbuild when inside it. */
export const displayPath = (path: string, cwd: string) =>
  path.startsWith(cwd + '/') ? path.slice(cwd.length + 1) : path;
