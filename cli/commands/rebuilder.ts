// `twinbuild rebuilder --config FILE [--once] [--retry SOURCE=VERSION]`: the
// rebuilder service (rebuilder/service/), watching apt and RPM repositories and
// publishing in-toto links where apt-transport-in-toto looks.
import { arch, machine } from 'node:os';
import { dirname, resolve } from 'node:path';
import { exitCodeForSignal, usageError } from '../../core/errors.js';
import { VERSION } from '../../core/paths.js';
import { loadSigningKey } from '../../attest/keys.js';
import { readServiceConfig } from '../../rebuilder/service/config.js';
import { exitCodeOf, runService, type ServiceDeps } from '../../rebuilder/service/service.js';
import { runWorker } from '../../rebuilder/service/worker.js';
import { fleetStatus, renderFleetText } from '../../rebuilder/service/fleet.js';
import type { Command } from '../command.js';
import { hostInfo } from '../environment.js';
import { parseFlags } from '../flags.js';
import { packageOptions, parseRunSettings, requireSandbox } from '../settings.js';
import type { IsolationChoice } from '../../engine/options.js';

export const REBUILDER_HELP = `Usage: twinbuild rebuilder --config FILE [--once] [--retry SOURCE=VERSION]...
       twinbuild rebuilder --worker --config FILE [--once]
       twinbuild rebuilder --status --config FILE

Watches apt and RPM repositories and verifies every (source, version) that has
binaries: each is rebuilt once with twinbuild verify's engine and compared byte
for byte with the published .deb (or .rpm) files. On a match the in-toto link (signed with the
config's ed25519 key) is published where apt-transport-in-toto fetches it:
  PUBLISH/sources/<binary package>/<version>/metadata
and the DSSE statement beside it, for every binary package the source built (an
epoch's ":" is published both as ":" and as "%3A", as apt's method requests it). PUBLISH/index.html
and PUBLISH/status.json list every version with its verdict, attempts, links and
report (diffoscope pages for a mismatch, under PUBLISH/reports/). Serve PUBLISH
over http and list it in apt's APT::Intoto::Rebuilders (docs/rebuilder.md: "A rebuilder apt trusts").

A version is verified once: a verdict (verified, mismatch) is final; an error
(repository down, truncated index, a download or .buildinfo that disagrees with
the index, a failed build, a publish directory it cannot write) is retried with
a doubling backoff, then marked failed. Nothing is published but whole links
(write, sync, rename). The state (queue, attempts, verdicts) is in
STATE/state.db (SQLite): after a kill -9, interrupted verifies are queued again,
finished ones are never repeated. One service per state directory: a second run on
the same STATE while one holds it exits 2 naming the holder's pid.

With "state": "postgres://USER@HOST:PORT/DATABASE" the same state lives in
PostgreSQL (its local files in "work", default work/ beside the config): one
coordinator leads by the database's advisory lock, a second waits until it is
gone; a lost connection is waited for (5 minutes) (docs/rebuilder.md: "Many
machines").

An RPM repository: each source RPM (arch "src" in the primary index) with binary
RPMs for this machine or noarch is rebuilt from its .src.rpm with the rpm preset,
BUILDHOST and BUILDTIME taken from the published headers (as twinbuild verify
does); its links name the .rpm files as products, at
PUBLISH/sources/<binary package>/<[epoch:]version-release>/metadata. Check them
with in-toto-verify against a layout from twinbuild layout --packages rpm.

The config file (JSON; relative paths are relative to it):
  {
    "repositories": [
      { "name": "debian", "url": "http://127.0.0.1:8000/debian/",
        "sources": "dists/bookworm/main/source/Sources",
        "packages": ["dists/bookworm/main/binary-amd64/Packages"],
        "buildinfo": "buildinfo/",
        "release": "dists/bookworm/Release",
        "keyring": "/usr/share/keyrings/debian-archive-keyring.gpg" },
      { "name": "rpms", "format": "rpm",
        "url": "http://127.0.0.1:8000/rpms/",
        "repodata": "repodata/repomd.xml",
        "sourceRepodata": "SRPMS/repodata/repomd.xml",
        "unsigned": true }
    ],
    "signingKey": "rebuilder.key",
    "publish": "public/", "state": "state/",
    "concurrency": 1,
    "pollInterval": 300, "backoff": 60, "maxAttempts": 5,
    "timeout": 3600, "fetchTimeout": 60, "maxIndexSize": 256
  }
  repositories   two or more sources of packages. apt: "buildinfo" is where the
                 <source>_<version>_<arch>.buildinfo files are, "release"
                 (optional) the Release the indexes are checked against. RPM
                 ("format": "rpm"): createrepo_c repodata (primary.xml[.gz]);
                 "repodata" defaults to repodata/repomd.xml; "sourceRepodata"
                 (optional) is where the .src.rpm files are listed, if not in
                 the same repodata
  keyring        gpgv checks the repository's InRelease (or Release.gpg;
                 RPM: repomd.xml.asc) against it; "unsigned": true trusts
                 a repository without one, on purpose (the status page says so)
  signingKey     ed25519 private key (twinbuild keygen)
  state          a directory (SQLite) or a postgres:// URL; "work": the local
                 directory beside a PostgreSQL state
  concurrency    verifies at once (0: a coordinator leaving them to workers)
  lease          seconds a worker holds a job unless it renews (default 60)
  pollInterval, backoff, timeout   in seconds
  fetchTimeout   seconds for one whole answer of a repository (default 60)
  maxIndexSize   MiB: a larger index fails its poll (default 256)

Options:
  --config FILE          the config file (required)
  --once                 poll once, verify what is due, write the status, exit
                         (cron, CI); without it the service runs until stopped
  --retry SOURCE=VERSION verify a finished version again (repeatable); for an RPM,
                         the source RPM's name and [epoch:]version-release
  --status               print the queue's depth, the workers (what each builds,
                         when last heard of) and the rebuilds ended in the last
                         hour and day, from the state; then exit (also on the
                         status page and in status.json as "fleet")
  --worker               rebuild jobs of the shared state (PostgreSQL, or the
                         same machine's SQLite) and report them back; the
                         coordinator signs and publishes ("signingKey" and
                         "publish" are not needed); --once: until none is due
  --isolation MODE, --no-diffoscope, --quiet   as for check
  --allow-unsandboxed    build even where no sandbox can be made (a hostile package then
                         builds with the rebuilder's rights: docs/sandbox.md)

Stop it with SIGTERM or Ctrl-C (exit 143 or 130): verifies under way are stopped and
queued again.

A repository is signed by default: "keyring" is required (gpgv checks InRelease or
Release with Release.gpg, or repomd.xml with repomd.xml.asc, against it), unless
"unsigned": true opts out (shown on the status page).

A version matched, but whose link would replace another repository's link for the
same binary and version with other products, is a conflict: nothing of it is
published. A verified version whose published files change later is an alert, at
every poll until they agree again.

Exit codes (--once): 0 all verified · 1 a mismatch, a conflict or an alert ·
2 usage or config error ·
3 a repository (or an entry of its indexes) could not be read or a verify failed
(retried on the next run)
`;

function parseRetry(text: string): [string, string] {
  const match = /^([A-Za-z0-9_+][A-Za-z0-9_+.-]*)=([A-Za-z0-9._+~^:-]+)$/.exec(text);
  if (!match)
    throw usageError(
      `--retry expects SOURCE=VERSION (a Debian source name and version, or a source RPM's name and ` +
        `[epoch:]version-release), got "${text.slice(0, 200)}"`,
    );
  return [match[1]!, match[2]!];
}

export const rebuilderCommand: Command = {
  help: REBUILDER_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, [
      'config',
      'once',
      'retry',
      'isolation',
      'no-diffoscope',
      'quiet',
      'allow-unsandboxed',
      'worker',
      'status',
    ]);
    if (positionals.length > 0) throw usageError(`rebuilder takes no positional arguments, got "${positionals[0]}"`);
    if (!values.config) throw usageError('rebuilder needs --config FILE (see twinbuild rebuilder --help)');
    const retry = (values.retry ?? []).map(parseRetry);
    const worker = values.worker ?? false;
    if (worker && retry.length > 0) throw usageError('--retry is for the coordinator, not a --worker');
    if (values.status && (worker || values.once || retry.length > 0))
      throw usageError('--status only reads the state: it takes no --worker, --once or --retry');
    const config = await readServiceConfig(
      resolve(ctx.env.cwd, values.config),
      worker || values.status ? 'worker' : 'coordinator',
    );
    if (values.status) {
      ctx.stdout.write(renderFleetText(await fleetStatus(config, () => {}, Date.now())));
      return 0;
    }
    if (!worker) await loadSigningKey(config.signingKey); // a bad key is exit 2 before anything is polled
    await requireSandbox(
      (values.isolation ?? 'auto') as IsolationChoice,
      values['allow-unsandboxed'] ?? false,
      ctx.runner,
      'the rebuilder',
    );
    const parsed = parseRunSettings(
      { isolation: values.isolation, 'no-diffoscope': values['no-diffoscope'], seed: '1' },
      ctx.env,
    );
    // The state (keys, links, logs) and the key's own directory: never in sight of a build.
    const hidden = [config.state, ...(config.signingKey ? [dirname(config.signingKey)] : [])].filter(
      (dir) => dir !== '/',
    );
    const settings = {
      ...parsed,
      bisect: false,
      timeoutMs: config.timeoutMs,
      hide: [...(parsed.hide ?? []), ...hidden],
    };
    const log = values.quiet ? () => {} : (line: string) => void ctx.stderr.write(`twinbuild rebuilder: ${line}\n`);
    const deps = {
      runner: ctx.runner,
      signal: ctx.signal,
      progress: () => {},
      log,
      host: hostInfo(),
      version: VERSION,
      hostArchitecture: arch() === 'x64' ? 'amd64' : arch(),
      rpmArchitecture: machine(),
      packageOptions: (source, preset, name, outDir) =>
        packageOptions(source, { preset, name, varyNothing: true }, { ...settings, outDir }, ctx.env, ctx.env.cpus),
    } satisfies ServiceDeps;
    if (worker) {
      const done = await runWorker(config, deps, { once: values.once ?? false });
      ctx.stdout.write(`reported ${done.reported} · given up or lost ${done.lost}\n`);
      return ctx.signal.aborted ? exitCodeForSignal(ctx.signal.reason) : 0;
    }
    const outcome = await runService(config, deps, { once: values.once ?? false, retry });
    ctx.stdout.write(
      `verified ${outcome.verified} · mismatch ${outcome.mismatches} · errors ${outcome.errors} · repositories ` +
        `unreadable ${outcome.pollsFailed} · entries refused ${outcome.refused} · ` +
        `conflicts ${outcome.conflicts} · alerts ${outcome.alerts}; status ${resolve(config.publish, 'index.html')}\n`,
    );
    // Stopped (SIGTERM, Ctrl-C): running verifies were queued again; the exit code says it was stopped.
    return ctx.signal.aborted ? exitCodeForSignal(ctx.signal.reason) : exitCodeOf(outcome);
  },
};
