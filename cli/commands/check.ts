// `twinbuild check`: flags → frozen options → engine → reports → exit code.
import { exitCodeForSignal, TwinbuildError, usageError } from '../../core/errors.js';
import { VERSION } from '../../core/paths.js';
import { EXPERIMENT } from '../../engine/reference.js';
import { runPackage } from '../../engine/run-package.js';
import { runResult, type PackageResult } from '../../reports/model.js';
import { consoleProgress } from '../../reports/progress.js';
import { profiled, publishRun, sayNotes, type Command, type CommandContext } from '../command.js';
import { createProfile } from '../profile.js';
import { hostInfo } from '../environment.js';
import { RECIPE_FLAGS, RUN_FLAGS, parseFlags } from '../flags.js';
import { assertOutDirApart, prepareOutDir } from '../out-dir.js';
import { commandRerun } from '../rerun.js';
import { packageOptions, parseRunSettings, type RunSettings } from '../settings.js';
import type { PackageOptions } from '../../engine/options.js';

export const CHECK_HELP = `Usage: twinbuild check [SOURCE=.] [--build CMD --artifacts GLOB | --preset NAME] [options]

Copies SOURCE twice, builds the control and the experiment at the same time
(the experiment with its environment varied), compares every artifact byte for
byte and runs diffoscope on the ones that differ. SOURCE itself is never written
to. Writes OUT/results.json, OUT/junit.xml (GitLab), OUT/index.html,
OUT/diffoscope/ and OUT/logs/.

Options:
  --build CMD            shell command that builds the package (run with /bin/sh -c; at most 64 KiB)
  --artifacts GLOB       artifacts to compare, relative to SOURCE (repeatable), e.g. 'out/**'
  --preset NAME          auto (the default): generic when --build and --artifacts are given,
                         else debian for a debian/ tree or a .dsc (dpkg-buildpackage -b
                         --no-sign; compares ../*.deb, ../*.udeb), npm for a package.json
                         (npm pack; compares the tarball), rpm for a directory with one .spec
                         (rpmbuild -bb --nodeps) or a .src.rpm (unpacked, then rpmbuild -bb
                         --nodeps); compares RPMS/*/*.rpm. --build/--artifacts override a preset.
  --with-tests           debian preset: run the package's tests; by default the builds add
                         nocheck to DEB_BUILD_OPTIONS (a check compares what the build ships,
                         and a test suite may fail under the faked clock)
  --ignore-scripts       npm preset: npm pack --ignore-scripts (no prepare/prepack/postpack
                         scripts). The npm preset always sets npm_config_update_notifier=false
                         and, when npm fails, copies its debug log into the build log
  --rpm-reproducible-macros
                         rpm preset: define source_date_epoch_from_changelog,
                         use_source_date_epoch_as_buildtime, clamp_mtime_to_source_date_epoch
                         and _buildhost, as Fedora does (off by default: a spec is judged as it is)
  --vary=SPEC            what to vary, reprotest syntax (repeatable), default +all; write
                         it with "=" when it starts with "-":
                           --vary=-time   --vary=-all,+umask   --vary=environment.variables+=FOO=bar
                         with nothing varied (--vary=-all) a pass is called "deterministic":
                         a determinism check, not a reproducibility test
  --variations=SPEC      reprotest's: start from nothing varied, then SPEC (--vary adds to it);
                         user_group.available, time.faketimes and domain_host.use_sudo are
                         read as enabling their variation (see docs/variations.md, reprotest compatibility)
  --seed N               replay the random choices of an earlier run
  --env NAME=VALUE       set a variable for both builds (repeatable; at most 64 KiB each)
  --timeout DURATION     per build, e.g. 30m, 90s (default 30m; from 1ms to 168h); kills the
                         whole process tree
  --jobs N               bisect probe builds at once, and diffoscope runs at once (default:
                         CPU count); files hashed at once is at least 8
  --out DIR              where the reports and logs go (default twinbuild-out); not SOURCE
                         or a directory holding it; one run at a time (OUT/.twinbuild.lock);
                         each run clears the reports an earlier one left there
  --isolation MODE       auto | namespaces | sequential (default auto): how both builds get
                           the same path — private mount namespaces in parallel, or one after the other
  --network              let the builds reach the network (default: loopback only; said in
                           every report)
  --max-processes N      processes one build may run at once (default 4096)
  --max-memory SIZE      data one build's process may hold, e.g. 4G (default 16G)
  --keep                 keep the temporary workspaces and print where they are
  --json                 print the result model (results.json) on stdout instead of the verdict
  --quiet                no progress; one line when reproducible
  --reporter NAME        which reports to write (repeatable or comma-separated): json, junit,
                         html, badge, console (default: all). results.json is always written.
  --no-diffoscope        only say which files differ, do not explain how
  --diffoscope-timeout D per differing file (default 5m; from 1ms to 168h); a timeout is an
                         error, never "same"
  --diffoscope-arg ARG   extra argument for diffoscope (repeatable), e.g. --diffoscope-arg=--exclude-directory-metadata=yes
  --profile              print where the time went, step by step, on stderr: node's start,
                         loading twinbuild, every process it started, each phase, the reports
  --issue-types FILE     your own known issue types (repeatable), added to twinbuild's
                         catalogue: same format as engine/explain/issue-types.json (docs/diagnosis.md)
  --no-bisect            when the builds differ, do not probe which variations cause it
  --bisect-budget N      at most N probe builds (default: no limit); suspects left
                         unconfirmed are reported as "suspected, not confirmed"
                         (by default: a rebuild with nothing varied to spot a nondeterministic
                         build, then probe builds with subsets of the varied variations); when
                         only the experiment build fails, the same probes name what makes it fail
  -h, --help             this help

Exit codes: 0 reproducible · 1 unreproducible · 2 usage or config error
            3 build failed, timed out, no artifacts, or a requested variation unavailable
`;

const CHECK_FLAGS = [...RUN_FLAGS, ...RECIPE_FLAGS, 'with-tests', 'profile'] as const;

export const checkCommand: Command = {
  help: CHECK_HELP,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, CHECK_FLAGS);
    if (values.profile && !ctx.profile) return withProfile(args, ctx);
    if (positionals.length > 1)
      throw usageError(`check takes one SOURCE directory, got ${positionals.length}: ${positionals.join(' ')}`);
    const settings = parseRunSettings(values, ctx.env);
    sayNotes(settings, ctx);
    const options = await profiled(ctx, 'options (flags, source, preset)', () =>
      packageOptions(
        positionals[0] ?? '.',
        {
          preset: values.preset,
          build: values.build,
          artifacts: values.artifacts,
          ignoreScripts: values['ignore-scripts'],
          rpmReproducibleMacros: values['rpm-reproducible-macros'],
          tests: values['with-tests'],
          rerun: commandRerun('check', args, CHECK_FLAGS),
        },
        settings,
        ctx.env,
        settings.jobs ?? ctx.env.cpus,
      ),
    );
    await assertOutDirApart(options.outDir, [{ path: options.source, label: 'SOURCE' }]);
    const outLock = await prepareOutDir(options.outDir);
    try {
      return await checkPackage(options, settings, ctx);
    } finally {
      outLock.release();
    }
  },
};

// The same check with every process, phase and the reports timed, the steps printed on stderr at the end.
async function withProfile(args: string[], ctx: CommandContext): Promise<number> {
  const profile = createProfile(ctx.startMarks);
  const traced = { ...ctx, runner: profile.runner(ctx.runner), profile };
  try {
    return await checkCommand.run(args, traced);
  } finally {
    ctx.stderr.write(profile.render());
  }
}

// Runs the one package and publishes its reports (the out dir is locked by the caller).
async function checkPackage(options: PackageOptions, settings: RunSettings, ctx: CommandContext): Promise<number> {
  const startedAt = new Date().toISOString();
  const envelope = { command: 'check', version: VERSION, startedAt, seed: options.seed, host: hostInfo() };
  const progress = consoleProgress(ctx.stderr, settings.quiet || settings.json, {
    dumb: ctx.env.vars['TERM'] === 'dumb',
  });
  let packages: PackageResult[];
  try {
    packages = [
      await runPackage(
        { options, reference: EXPERIMENT },
        { runner: ctx.runner, signal: ctx.signal, progress: ctx.profile?.progress(progress.sink) ?? progress.sink },
      ),
    ];
  } catch (error) {
    if (!(error instanceof TwinbuildError && error.code === 'interrupted')) throw error;
    // Interrupted (after clean-up): the reports still appear, saying nothing was decided.
    const incomplete = { reason: error.message, notFinished: [options.name] };
    await publishRun(
      runResult({ ...envelope, packages: [], exitCode: exitCodeForSignal(ctx.signal.reason), incomplete }),
      { ...settings, json: false, reporters: settings.reporters.filter((r) => r !== 'console') },
      ctx,
      'package',
    );
    throw error;
  } finally {
    progress.stop();
  }
  return profiled(ctx, 'reports', () => publishRun(runResult({ ...envelope, packages }), settings, ctx, 'package'));
}
