// A real apt client trusting twinbuild rebuilders through apt-transport-in-toto
// (DESIGN §7), for the tests that need one: a throwaway GNUPGHOME with the layout
// owner's key, layouts made by `twinbuild layout` and signed with in-toto-sign,
// and fresh apt clients (private APT_CONFIG, lists, cache, state, TMPDIR) that
// download a package through intoto://. Nothing of the host's apt is used or changed.
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { onPath, runCli } from '../helpers.js';
import type { StaticServer } from './service-fixtures.js';

export const INTOTO_METHOD = '/usr/lib/apt/methods/intoto';

/** Why apt through in-toto cannot run here (a tool missing), or null. */
export async function aptIntotoMissing(): Promise<string | null> {
  for (const tool of ['apt-get', 'apt-ftparchive', 'gpg', 'gpgconf', 'in-toto-sign'])
    if ((await onPath(tool)) === undefined) return `${tool} (scripts/debian-packages.txt)`;
  return existsSync(INTOTO_METHOD) ? null : `${INTOTO_METHOD} (apt-get install apt-transport-in-toto)`;
}

export type AptDownload = Readonly<{ ok: boolean; output: string; dir: string }>;

export type AptIntoto = Readonly<{
  /** The layout owner's GPG fingerprint. */
  owner: string;
  /** `twinbuild layout` for these rebuilder keys (their .pub.json), signed with the owner's GPG key. */
  signedLayout: (name: string, rebuilderKeys: readonly string[], threshold: number) => Promise<string>;
  /** A fresh apt client: apt-get update, then apt-get download PKG (`ok`: the .deb is in `dir`/download). */
  download: (repo: StaticServer, rebuilders: readonly string[], layout: string, pkg: string) => Promise<AptDownload>;
  /** Whether the host's /tmp/intoto.log is as it was (the method's log goes to each client's TMPDIR). */
  hostLogUntouched: () => boolean;
  /** Stops the GPG agent of the throwaway GNUPGHOME. */
  close: () => Promise<void>;
}>;

// The host's /tmp/intoto.log as it was before (absent or another run's): the tests must not touch it.
const hostLog = () => statSync('/tmp/intoto.log', { throwIfNoEntry: false })?.mtimeMs ?? null;

/** The owner's key, layouts and apt clients, all under `root` (a temp dir). */
export async function aptIntoto(root: string): Promise<AptIntoto> {
  const gnupg = join(root, 'gnupg');
  await mkdir(gnupg, { mode: 0o700 });
  const gpg = (...args: string[]) =>
    realProcesses.capture(['gpg', '--homedir', gnupg, '--batch', ...args], { timeoutMs: 60_000 });
  const made = await gpg(
    '--pinentry-mode',
    'loopback',
    '--passphrase',
    '',
    '--quick-gen-key',
    'Owner <owner@example.invalid>',
    'ed25519',
    'sign',
    'never',
  );
  expect(made.exitCode, made.stderr).to.equal(0);
  const owner = /^fpr:+([0-9A-F]{40}):/m.exec((await gpg('--with-colons', '--list-keys')).stdout)![1]!;
  // apt-transport-in-toto 0.1.1 polls its pipes in three busy Python threads, so
  // with the interpreter's default 5 ms GIL switch interval every message waits
  // for the spinners: about 18 s per apt-get call here, 1.5 s with 0.1 ms. The
  // method's code is unchanged; only its interpreter switches threads sooner.
  // It also logs to a fixed /tmp/intoto.log (LOG_FILE in the method), which would
  // leave a file in the host's shared /tmp: that one path goes to the client's TMPDIR.
  const hostLogBefore = hostLog();
  const pythonSite = join(root, 'python-site');
  await mkdir(pythonSite);
  await writeFile(
    join(pythonSite, 'sitecustomize.py'),
    [
      'import logging.handlers, os, sys',
      'sys.setswitchinterval(0.0001)',
      '_open = logging.handlers.RotatingFileHandler.__init__',
      'def _private(self, filename, *args, **kwargs):',
      "    if filename == '/tmp/intoto.log':",
      "        filename = os.path.join(os.environ['TMPDIR'], 'intoto.log')",
      '    _open(self, filename, *args, **kwargs)',
      'logging.handlers.RotatingFileHandler.__init__ = _private',
      '',
    ].join('\n'),
  );
  let clients = 0;

  const signedLayout = async (name: string, rebuilderKeys: readonly string[], threshold: number) => {
    const out = join(root, name);
    const layout = await runCli(
      [
        'layout',
        ...rebuilderKeys.flatMap((k) => ['--rebuilder-key', `${k}.pub.json`]),
        '--threshold',
        String(threshold),
        '--expires',
        '30d',
        '--out',
        out,
      ],
      { withOut: false },
    );
    expect(layout.exitCode, layout.stderr).to.equal(0);
    const signed = await realProcesses.capture(
      ['in-toto-sign', '-f', out, '--gpg', owner, '--gpg-home', gnupg, '-o', out],
      { timeoutMs: 60_000 },
    );
    expect(signed.exitCode, signed.stderr + signed.stdout).to.equal(0);
    return out;
  };

  const download = async (repo: StaticServer, rebuilders: readonly string[], layout: string, pkg: string) => {
    const dir = join(root, `apt-${clients++}`);
    for (const sub of ['lists/partial', 'cache/archives/partial', 'parts', 'sources.d', 'download', 'tmp'])
      await mkdir(join(dir, sub), { recursive: true });
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'status'), '');
    await writeFile(join(dir, 'sources.list'), `deb [trusted=yes] intoto://127.0.0.1:${repo.port}/ ./\n`);
    const list = (values: readonly string[]) => `{ ${values.map((v) => `"${v}";`).join(' ')} }`;
    await writeFile(
      join(dir, 'apt.conf'),
      [
        `Dir::Etc::SourceList "${dir}/sources.list";`,
        `Dir::Etc::SourceParts "${dir}/sources.d";`,
        `Dir::Etc::Parts "${dir}/parts";`,
        `Dir::Etc::Preferences "${dir}/preferences";`,
        `Dir::Etc::PreferencesParts "${dir}/parts";`,
        `Dir::State::Lists "${dir}/lists";`,
        `Dir::State::status "${dir}/status";`,
        `Dir::Cache "${dir}/cache";`,
        `Dir::Log "${dir}";`,
        // The list form only: the scalar form hangs apt (DESIGN §7).
        `APT::Intoto { Rebuilders ${list(rebuilders)}; Layout ${list([layout])}; Keyids ` +
          `${list([owner])}; GPGHomedir ${list([gnupg])}; LogLevel {"20"}; NoFail {"false"}; };`,
      ].join('\n') + '\n',
    );
    const env = {
      PYTHONPATH: pythonSite,
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      APT_CONFIG: join(dir, 'apt.conf'),
      TMPDIR: join(dir, 'tmp'),
      LANG: 'C.UTF-8',
    };
    const apt = (args: string) =>
      realProcesses.capture(['sh', '-c', `cd "$0" && exec timeout 120 apt-get -q ${args}`, join(dir, 'download')], {
        env,
        timeoutMs: 150_000,
      });
    const update = await apt('update');
    expect(update.exitCode, update.stderr + update.stdout).to.equal(0);
    const fetched = await apt(`download ${pkg}`);
    expect(existsSync(join(dir, 'tmp', 'intoto.log')), "the method logged into the client's TMPDIR").to.equal(true);
    const ok =
      fetched.exitCode === 0 &&
      (await readdir(join(dir, 'download'))).some((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
    return { ok, output: fetched.stdout + fetched.stderr, dir };
  };

  return {
    owner,
    signedLayout,
    download,
    hostLogUntouched: () => hostLog() === hostLogBefore,
    close: async () => {
      await realProcesses.capture(['gpgconf', '--homedir', gnupg, '--kill', 'all']);
    },
  };
}
