// Shared benchmark helpers: fixtures, timing over repeated runs, machine facts, markdown.
import { $, fs, os, path } from 'zx';

$.verbose = false;
$.quiet = true;
export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
export const TWINBUILD = path.join(ROOT, 'bin', 'twinbuild.js');
export const SIX = 'environment,home,exec_path,timezone,locales,umask';

const temps = [];
export async function tempDir(prefix = 'tb-bench-') {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}
export async function cleanup() {
  benchOut = undefined;
  for (const dir of temps.splice(0)) await fs.rm(dir, { recursive: true, force: true });
}

/** A package dir whose build is `sh build.sh` with this script. */
export async function fixture(script) {
  const dir = path.join(await tempDir(), 'pkg');
  await fs.mkdirp(dir);
  await fs.writeFile(path.join(dir, 'build.sh'), `set -eu\n${script}\n`);
  return dir;
}

export const retried = [];

async function timeOnce(label, command, expectExit, attempt = 1) {
  const started = performance.now();
  // A zx process, or an async function that already awaited one with nothrow().
  const pending = command();
  const run = await (typeof pending.nothrow === 'function' ? pending.nothrow() : pending);
  const seconds = (performance.now() - started) / 1000;
  // reprotest exits 125 when its own testbed fails (seen once in --auto-build here);
  // that run is no figure: it is run again, at most twice, and the retry is reported.
  if (run.exitCode === 125 && /reprotest/.test(label) && attempt < 3) {
    retried.push(`${label} (exit 125, attempt ${attempt})`);
    return timeOnce(label, command, expectExit, attempt + 1);
  }
  if (run.exitCode !== expectExit) {
    throw new Error(
      `${label}: exited ${run.exitCode}, expected ${expectExit}\n${run.stdout}\n${run.stderr}`.slice(0, 4000),
    );
  }
  return seconds;
}

const summary = (label, times) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { label, n: times.length, median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], runs: times };
};

/** Lets earlier benchmarks' writes reach the disk, so they do not slow this one. */
export const settle = () => $`sync`;

/** Runs `command` n times; every run must exit with `expectExit` or the figure is refused. */
export async function timeRuns(label, n, command, expectExit = 0) {
  await settle();
  const times = [];
  for (let i = 0; i < n; i++) times.push(await timeOnce(label, command, expectExit));
  return summary(label, times);
}

/** Alternates the commands run by run, so machine noise falls on all of them alike. */
export async function timeInterleaved(n, commands, expectExit = 0) {
  await settle();
  const times = commands.map(() => []);
  for (let i = 0; i < n; i++) {
    for (const [j, [label, command]] of commands.entries()) times[j].push(await timeOnce(label, command, expectExit));
  }
  return commands.map(([label], j) => summary(label, times[j]));
}

/** One output directory for the whole bench, removed by cleanup() (nothing stays in the shared /tmp). */
let benchOut;
export async function outDir() {
  benchOut ??= path.join(await tempDir('tb-bench-out-'), 'out');
  return benchOut;
}

export const twinbuild =
  (source, build, artifacts, ...extra) =>
  async () =>
    $`node ${TWINBUILD} check ${source} --build ${build} --artifacts ${artifacts} --quiet --out ${await outDir()} ${extra}`.nothrow();

// reprotest's null virtual server builds in temp copies, one after the other.
export const reprotest = (source, build, artifacts, vary) => () =>
  $({ cwd: source })`reprotest --vary=${vary} --no-diffoscope -c ${build} . ${artifacts}`;

export async function machineFacts() {
  const cpu = (await fs.readFile('/proc/cpuinfo', 'utf8')).match(/model name\s*:\s*(.+)/)?.[1] ?? 'unknown';
  const first = async (cmd) => (await cmd.nothrow()).stdout.split('\n')[0].trim();
  return {
    date: new Date().toISOString(),
    cpu,
    cores: os.availableParallelism(),
    memory: `${Math.round(os.totalmem() / 1024 ** 3)} GiB`,
    kernel: os.release(),
    node: process.version,
    twinbuild: JSON.parse(await fs.readFile(path.join(ROOT, 'package.json'), 'utf8')).version,
    // reprotest has no --version; ask dpkg.
    reprotest: `reprotest ${(await $`dpkg-query -W -f=${'${Version}'} reprotest`.nothrow()).stdout.trim() || '(not installed)'}`,
    sha256sum: await first($`sha256sum --version`),
  };
}

export const fmt = (s) => `${s.toFixed(2)} s`;

export function table(headers, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
