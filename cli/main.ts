// Composition root: parses argv, runs a command, and is the only place that
// turns errors into a message and an exit code.
import { EXIT, exitCodeForSignal, isTwinbuildError } from '../core/errors.js';
import { VERSION } from '../core/paths.js';
import { orDidYouMean } from '../core/suggest.js';
import type { Command } from './command.js';
import { readEnvironment } from './environment.js';
import { FLAGS, oneLine } from './flags.js';

const MAIN_HELP = `twinbuild ${VERSION} — build twice under varied environments, compare byte for byte

Usage: twinbuild <command> [options]

Commands:
  check [SOURCE]     build SOURCE twice (control and experiment, in parallel) and compare the artifacts
  sweep [ROOT]       check every package of a repository (config or preset markers), sharded,
                     against a baseline; one report set
  verify SOURCE --published F…   rebuild once and compare with published artifacts (rebuilder);
                     an in-toto link on a match
  keygen             an ed25519 key pair for signing in-toto links
  rebuilder --config F   watch apt repositories, verify each new version, publish
                     in-toto links where apt-transport-in-toto looks
  layout --rebuilder-key K…   the unsigned in-toto root layout apt checks rebuilders' links with
  variations         list the variations, what each changes, and whether this machine can apply it
  doctor [--install] check (and install) the tools, namespaces, FUSE and locales twinbuild uses
  clean              remove the temp roots a killed twinbuild left behind
  explain RESULTS.json   diagnose an earlier run again (what to change), without rebuilding
  report badge R --out F   an SVG badge from a results.json
  report merge DIR... --out DIR   merge a sweep's shard outputs into one report set
  report history R|DIR... --out DIR   every package's recent verdicts: one page and history.json
  hook install|uninstall   a git pre-push hook that checks what a push changes
  init [ROOT]        write a commented twinbuild.config.json for the packages found under ROOT

Run "twinbuild <command> --help" (or "twinbuild help <command>") for a command's options;
"twinbuild -V" (--version) prints the version.
"twinbuild --help" prints this and exits 0; "twinbuild" with no command prints it
on stderr and exits 2 (a command is required).

Exit codes: 0 reproducible · 1 unreproducible · 2 usage or config error · 3 build or infrastructure error
`;

// Each command's module is loaded only when that command runs (or its help is asked
// for): the bundle evaluates a module on its first import, so `twinbuild check` never
// pays for the rebuilder's SQLite or the history page, nor `--version` for any of it.
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  check: async () => (await import('./commands/check.js')).checkCommand,
  sweep: async () => (await import('./commands/sweep.js')).sweepCommand,
  hook: async () => (await import('./commands/hook.js')).hookCommand,
  verify: async () => (await import('./commands/verify.js')).verifyCommand,
  keygen: async () => (await import('./commands/keygen.js')).keygenCommand,
  rebuilder: async () => (await import('./commands/rebuilder.js')).rebuilderCommand,
  layout: async () => (await import('./commands/layout.js')).layoutCommand,
  variations: async () => (await import('./commands/variations.js')).variationsCommand,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand,
  report: async () => (await import('./commands/report.js')).reportCommand,
  explain: async () => (await import('./commands/explain.js')).explainCommand,
  clean: async () => (await import('./commands/clean.js')).cleanCommand,
  init: async () => (await import('./commands/init.js')).initCommand,
};

/** main's options: when the bin started loading the bundle (performance.now()), for --profile. */
export type MainOptions = Readonly<{ loadStartedMs?: number }>;

export async function main(argv: string[], options: MainOptions = {}): Promise<void> {
  const mainStartedMs = performance.now();
  const [name, ...rest] = argv;
  // One convention: help that was asked for goes to stdout with exit 0; help
  // shown because no command was given is a usage error (stderr, exit 2).
  if (!name) {
    process.stderr.write(MAIN_HELP);
    process.exitCode = EXIT.usage;
    return;
  }
  const helpAsked = rest.length === 0 || (rest.length === 1 && (rest[0] === '--help' || rest[0] === '-h'));
  if (name === '--help' || name === '-h' || (name === 'help' && helpAsked)) {
    process.stdout.write(MAIN_HELP);
    return;
  }
  if (name === 'help') {
    const topic = COMMANDS[rest[0]!];
    if (topic && rest.length === 1) process.stdout.write((await topic()).help);
    else {
      process.stderr.write(
        `twinbuild help: unknown command "${rest.join(' ')}"${orDidYouMean(rest[0]!, Object.keys(COMMANDS))} ` +
          `(commands: ${Object.keys(COMMANDS).join(', ')})\n`,
      );
      process.exitCode = EXIT.usage;
    }
    return;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  const load = COMMANDS[name];
  if (!load && name.startsWith('-')) {
    const bare = name.replace(/^-+/, '').replace(/=.*$/, '');
    process.stderr.write(
      `twinbuild: unknown option ${name}${orDidYouMean(bare, ['help', 'version'], '--')} ` +
        `(before a command only --help and --version; see twinbuild --help)\n`,
    );
    process.exitCode = EXIT.usage;
    return;
  }
  if (!load) {
    process.stderr.write(
      `twinbuild: unknown command "${name}"${orDidYouMean(name, Object.keys(COMMANDS))} (commands: ` +
        `${Object.keys(COMMANDS).join(', ')}; see twinbuild --help)\n`,
    );
    process.exitCode = EXIT.usage;
    return;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help);
    return;
  }

  // Ctrl-C / SIGTERM abort the run: builds are killed, workspaces removed, then we exit.
  const controller = new AbortController();
  let caught: NodeJS.Signals | undefined;
  // A second Ctrl-C is ignored on purpose: dying in the middle of clean-up would
  // leave mounts and temp dirs behind.
  const onSignal = (signal: NodeJS.Signals) => {
    if (caught) {
      process.stderr.write(`twinbuild: still cleaning up after ${caught}; please wait\n`);
      return;
    }
    caught = signal;
    process.stderr.write(`\ntwinbuild: ${signal} received, stopping builds and cleaning up…\n`);
    controller.abort(signal); // the reason carries the signal, for the exit code in the reports
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const env = readEnvironment();
  const { createProcessRunner } = await import('../adapters/process.js');
  // twinbuild's own tools come from its own PATH, never from a build's environment.
  const runner = createProcessRunner({ path: env.path });
  // Last-resort safety net: never leave build processes behind when twinbuild exits.
  process.once('exit', runner.killAll);
  try {
    process.exitCode = await command.run(rest, {
      signal: controller.signal,
      env,
      runner,
      stdout: process.stdout,
      stderr: process.stderr,
      startMarks: { loadStartedMs: options.loadStartedMs ?? null, mainStartedMs },
    });
  } catch (error) {
    if (caught) {
      process.exitCode = exitCodeForSignal(caught);
    } else if (isTwinbuildError(error)) {
      process.stderr.write(`twinbuild: ${error.message}\n${error.details.map((l) => `  ${l}\n`).join('')}`);
      process.exitCode = error.exitCode;
    } else if (isParseArgsError(error)) {
      // Commands with their own small flag sets parse them directly: same one line, suggestions from the flag table.
      const said = oneLine(error, Object.keys(FLAGS)) as Error;
      process.stderr.write(`twinbuild ${name}: ${said.message.split('\n').join(' ')} (see twinbuild ${name} --help)\n`);
      process.exitCode = EXIT.usage;
    } else {
      // A bug, not a user error: keep the stack for the report.
      process.stderr.write(
        `twinbuild: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = EXIT.infrastructure;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function isParseArgsError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
