#!/usr/bin/env node
// Generates the man page (man/twinbuild.1), the bash and zsh completions
// (completion/) and the CLI reference (docs/cli.md) from what the built CLI says:
// `twinbuild --help`, each command's `--help`, and the flag table (dist/cli/flags.js).
// Run after `npm run compile`:
//   node scripts/gen-docs.mjs          write the files
//   node scripts/gen-docs.mjs --check  exit 1 when a file is not current
// test/cli/install-docs.test.ts fails when the committed files are stale.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'twinbuild.js');
export const OUTPUTS = {
  man: 'man/twinbuild.1',
  bash: 'completion/twinbuild.bash',
  zsh: 'completion/_twinbuild',
  reference: 'docs/cli.md',
};

const helpOf = (...args) => execFileSync(process.execPath, [CLI, ...args, '--help'], { encoding: 'utf8' });

/** The commands and their subcommands, as the main --help lists them ("report badge …", "hook install|uninstall"). */
export function commandsOf(mainHelp) {
  const section = mainHelp.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  const commands = new Map();
  let last = null;
  for (const line of section.split('\n')) {
    if (/^ {10,}\S/.test(line) && last) {
      last.summary += ` ${line.trim()}`; // a summary's second line
      continue;
    }
    last = null;
    const match = /^ {2}([a-z][a-z-]*)(?: ([a-z|]+)(?= |$))?(\s+|$)(.*)$/.exec(line);
    if (!match) continue;
    const [, name, sub, , summary] = match;
    const entry = commands.get(name) ?? { subcommands: [], summary: '' };
    if (sub) entry.subcommands.push(...sub.split('|'));
    if (!entry.summary) {
      entry.summary = summary.replace(/^\S.*?\s{2,}/, '').trim() || summary.trim();
      last = entry;
    }
    commands.set(name, entry);
  }
  return commands;
}

/** The flags in the flag table that a command's help offers: in its usage lines or at the start of an option's line (not in prose). */
function flagsIn(help, table) {
  const offered = help
    .split('\n')
    .filter((line) => /^(Usage:| {7}twinbuild )/.test(line) || /^\s+--[a-z]/.test(line))
    .map((line) => (/^\s+--/.test(line) ? line.trim().split(/\s{2,}/)[0] : line));
  return Object.keys(table)
    .filter((flag) => offered.some((text) => new RegExp(`--${flag}(?![a-z-])`).test(text)))
    .map((f) => `--${f}`);
}

// groff reads ASCII: other characters become \[uXXXX] escapes.
const roff = (text) =>
  text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/[^\x00-\x7f]/gu, (c) => `\\[u${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}]`)
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');

/** What twinbuild reads from its environment (test/cli/install-docs.test.ts checks the sources read no other). */
export const ENVIRONMENT = [
  ['PATH', "where twinbuild finds its own tools, and the PATH the builds get (twinbuild's own, never a build's)"],
  ['TMPDIR', 'where the temp roots go (TMPDIR/twinbuild-*), default /tmp'],
  ['HOME', 'hidden from the builds (docs/sandbox.md); its .cache/twinbuild is the cache when XDG_CACHE_HOME is unset'],
  [
    'XDG_CACHE_HOME',
    "twinbuild's cache (XDG_CACHE_HOME/twinbuild): the compiled disorderfs preload, the sandbox's answer until the next boot",
  ],
  [
    'DEB_BUILD_OPTIONS',
    'passed to Debian builds; check and sweep add nocheck unless --with-tests, and build_jobs sets parallel=',
  ],
  [
    'CI_NODE_INDEX, CI_NODE_TOTAL',
    "sweep's and verify --dir's shard when --shard is not given (GitLab's parallel jobs)",
  ],
  [
    'CI_PROJECT_NAME, CI_PROJECT_DIR',
    "in a GitLab job, a check of the checkout itself is named after the project, not the runner's build directory",
  ],
  ['TERM', 'dumb: progress as plain lines, as when stderr is not a terminal'],
];

/** The files twinbuild reads and writes. */
export const FILES = [
  [
    'twinbuild.config.json',
    "a sweep's packages, defaults and known differences (written by init; read by sweep and the pre-push hook), " +
      'validated against suites/twinbuild.config.schema.json',
  ],
  [
    'twinbuild-out/',
    'the reports (--out): results.json, junit.xml, index.html, badge.svg, logs/, diffoscope/ and, for a sweep, ' +
      'packages/*.json; .twinbuild.lock while a run writes them',
  ],
  ['.git/hooks/pre-push', 'the hook twinbuild hook install writes; its reports go to .git/twinbuild-out/'],
  [
    'TMPDIR/twinbuild-*',
    'the temp roots of running checks; those of a killed twinbuild are removed by the next run or twinbuild clean',
  ],
  [
    'XDG_CACHE_HOME/twinbuild/',
    "twinbuild's cache (or ~/.cache/twinbuild/): used only when the user alone can write it; twinbuild clean empties it",
  ],
];

/** Examples: each command's flags are checked against the flags its --help offers when the page is made. */
export const EXAMPLES = [
  [
    'Check a package with a build script, comparing everything under out/:',
    "twinbuild check . --build 'sh build.sh' --artifacts 'out/**'",
  ],
  [
    'Check a Debian source package, varying only the clock and the locales:',
    'twinbuild check hello_2.10-3.dsc --vary=-all,+time,+locales',
  ],
  ['Replay the choices of an earlier run:', 'twinbuild check . --seed 42'],
  [
    'Check every package of a repository that changed since main, in 4 CI shards:',
    'twinbuild sweep . --changed-since origin/main --shard 1/4',
  ],
  [
    'Rebuild an upload and compare it with the published files (--buildinfo pins what the official build recorded):',
    'twinbuild verify hello_2.10-3.dsc --published hello_2.10-3_all.deb',
  ],
  [
    'Write a config for the packages found here, and check them before each push:',
    'twinbuild init && twinbuild hook install',
  ],
  ['What this machine can vary, and what is missing:', 'twinbuild doctor'],
];

const SEE_ALSO = [
  'diffoscope(1)',
  'reprotest(1)',
  'faketime(1)',
  'disorderfs(1)',
  'bwrap(1)',
  'unshare(1)',
  'dpkg-buildpackage(1)',
];

// A help text, read as it is laid out: blocks between blank lines; in a block,
// prose lines (filled), items (a term, two or more spaces, its text; or "word: text"
// with an indented continuation), and indented lines that are neither (kept as they are).
function helpBlocks(help) {
  const blocks = [];
  for (const chunk of help.trimEnd().split(/\n\s*\n/)) {
    const parts = [];
    const lines = chunk.split('\n');
    let item = null;
    for (const [i, line] of lines.entries()) {
      const indent = /^ */.exec(line)[0].length;
      const term = /^( *)(\S.*?) {2,}(\S.*)$/.exec(line);
      const named = /^([a-z][a-z-]*): (.*)$/.exec(line);
      if (item && indent >= item.column && indent > 0) {
        item.text.push(line.trim());
        continue;
      }
      item = null;
      const next = lines[i + 1] ?? '';
      if (term && (indent > 0 || term[2].startsWith('-')) && !/^[{}[\]"]/.test(term[2])) {
        item = { kind: 'item', term: term[2], text: [term[3]], column: line.length - term[3].length };
        parts.push(item);
      } else if (named && indent === 0 && (i === 0 || parts.at(-1)?.kind === 'item')) {
        item = { kind: 'item', term: named[1], text: [named[2]], column: 2 };
        parts.push(item);
      } else if (indent > 0 && /^ *-/.test(line) && parts.at(-1)?.kind === 'item') {
        // "--retry SOURCE=VERSION verify…": a term one space short of its text's column,
        // which the next line's indent shows.
        const column = /^ */.exec(next)[0].length;
        const split = column > indent + 2 && line[column - 1] === ' ' && line.length > column;
        item = split
          ? { kind: 'item', term: line.slice(0, column).trim(), text: [line.slice(column)], column }
          : { kind: 'item', term: line.trim(), text: [], column: indent + 1 };
        parts.push(item);
      } else if (indent > 0 && parts.at(-1)?.kind === 'prose' && !parts.at(-1).lines.at(-1).endsWith(':')) {
        parts.at(-1).lines.push(line.trim()); // a sentence's continuation, indented to line up
      } else if (indent > 0) {
        const last = parts.at(-1);
        if (last?.kind === 'verbatim') last.lines.push(line);
        else parts.push({ kind: 'verbatim', lines: [line] });
      } else {
        const last = parts.at(-1);
        if (last?.kind === 'prose') last.lines.push(line);
        else parts.push({ kind: 'prose', lines: [line] });
      }
    }
    blocks.push(parts);
  }
  return blocks;
}

// Verbatim lines keep their layout, less the indent they share, two columns in.
function verbatim(lines) {
  const common = Math.min(...lines.map((l) => /^ */.exec(l)[0].length));
  return ['.RS 2', '.nf', roff(lines.map((l) => l.slice(common)).join('\n')), '.fi', '.RE'];
}

function renderParts(parts) {
  const out = [];
  for (const part of parts) {
    if (part.kind === 'prose') out.push('.PP', roff(part.lines.join(' ')));
    else if (part.kind === 'verbatim') out.push(...verbatim(part.lines));
    else
      out.push('.TP', `.B ${JSON.stringify(roff(part.term)).replace(/\\\\/g, '\\')}`, roff(part.text.join(' ')) || '.');
  }
  return out;
}

/** A command's help: its usage lines, its description, and its options (the "Options:" block). */
function commandParts(help) {
  const [usage, ...rest] = helpBlocks(help);
  const synopsis = usage.flatMap((p) =>
    p.kind === 'prose' ? p.lines : p.kind === 'verbatim' ? p.lines : [p.term + '  ' + p.text.join(' ')],
  );
  const description = [];
  let options = [];
  for (const parts of rest) {
    const head = parts[0];
    if (head?.kind === 'prose' && head.lines.length === 1 && /^Options:$/.test(head.lines[0])) options = parts.slice(1);
    else if (head?.kind === 'prose' && /^twinbuild \S/.test(head.lines[0]))
      (synopsis.push(head.lines[0]), description.push(parts.slice(0, 0)));
    else description.push(parts);
  }
  return {
    synopsis: longestUsages(
      synopsis
        .map((l) => l.trim().replace(/^Usage: /, ''))
        .reduce(
          (all, l) =>
            l.startsWith('twinbuild ') || !all.length ? [...all, l] : [...all.slice(0, -1), `${all.at(-1)} ${l}`],
          [],
        )
        .filter((l) => l.startsWith('twinbuild ')),
    ),
    description: description.flat(),
    options,
  };
}

// .SY hangs the wrapped rest of a usage line after the command's name.
function synopsisLines(line) {
  const [, command, rest] = /^(twinbuild(?: [a-z][a-z-]*)?)(?: (.*))?$/.exec(line);
  return [`.SY "${command}"`, ...(rest ? [roff(rest)] : []), '.YS'];
}

// "report history R --out DIR" and, later, the same with more options: the longer one.
const longestUsages = (lines) =>
  lines.filter((line, i) => !lines.some((other, j) => j !== i && other.length > line.length && other.startsWith(line)));

function manPage(version, mainHelp, helps) {
  const [title] = mainHelp.split('\n');
  const main = helpBlocks(mainHelp.split('\n').slice(2).join('\n'));
  const prose = main.filter(
    (parts) => parts[0]?.kind === 'prose' && !/^(Usage|Commands|Exit codes):/.test(parts[0].lines[0]),
  );
  const exitLine = mainHelp.split('\n').find((l) => l.startsWith('Exit codes: ')) ?? '';
  const exits = exitLine
    .replace('Exit codes: ', '')
    .split(' · ')
    .map((e) => /^(\d+) (.*)$/.exec(e));
  const commands = [...helps].map(([name, help]) => [name, commandParts(help)]);
  const lines = [
    `.\\" Generated by scripts/gen-docs.mjs from twinbuild's --help texts; do not edit.`,
    `.TH TWINBUILD 1 "" "twinbuild ${version}" "User Commands"`,
    '.\\" Flags and paths read better whole: no hyphenation (HY: .YS sets it back), no justification.',
    '.nr HY 0',
    '.nh',
    '.ad l',
    '.SH NAME',
    `twinbuild \\- ${roff(title.replace(/^twinbuild \S+ — /, ''))}`,
    '.SH SYNOPSIS',
    ...synopsisLines('twinbuild command [options]'),
    ...synopsisLines('twinbuild --help | -V'),
    ...commands.flatMap(([, c]) => c.synopsis.flatMap(synopsisLines)),
    '.SH DESCRIPTION',
    `.B twinbuild`,
    `\\(em ${roff(title.replace(/^twinbuild \S+ — /, ''))}.`,
    ...prose.flatMap(renderParts),
    '.SH COMMANDS',
    ...commands.flatMap(([name, c]) => [
      `.SS "twinbuild ${name}"`,
      ...c.synopsis.flatMap(synopsisLines),
      ...renderParts(c.description),
    ]),
    '.SH OPTIONS',
    '.SS "every command"',
    '.TP',
    '.B \\-h, \\-\\-help',
    "the command's help, on stdout (exit 0)",
    '.TP',
    '.B \\-V, \\-\\-version',
    "twinbuild's version (before a command)",
    ...commands
      .filter(([, c]) => c.options.length > 0)
      .flatMap(([name, c]) => [`.SS "twinbuild ${name}"`, ...renderParts(c.options)]),
    '.SH "EXIT STATUS"',
    ...exits.flatMap(([, code, what]) => ['.TP', `.B ${code}`, roff(what)]),
    '.PP',
    'Each command says what its codes mean in its help (above).',
    '.SH ENVIRONMENT',
    ...ENVIRONMENT.flatMap(([name, what]) => ['.TP', `.B ${roff(name)}`, roff(what)]),
    '.SH FILES',
    ...FILES.flatMap(([name, what]) => ['.TP', `.I ${roff(name)}`, roff(what)]),
    '.SH EXAMPLES',
    ...EXAMPLES.flatMap(([what, command]) => ['.PP', roff(what), ...verbatim([command])]),
    '.SH "SEE ALSO"',
    SEE_ALSO.map((page) => `.BR ${page.replace('(', ' (')}`).join(' ,\n'),
    '.PP',
    "The guides in the docs/ directory of twinbuild's package; docs/README.md lists them.",
    '',
  ];
  return lines.join('\n');
}

/** The examples name only flags their command offers (so they cannot go stale). */
function checkExamples(flags) {
  for (const [, command] of EXAMPLES)
    for (const part of command.split(' && ')) {
      const [, name, ...args] = part.split(' ');
      const offered = flags.get(name);
      if (!offered) throw new Error(`man page example "${part}": no command ${name}`);
      for (const arg of args.filter((a) => a.startsWith('--')))
        if (!offered.includes(arg.replace(/=.*$/, '')))
          throw new Error(`man page example "${part}": twinbuild ${name} has no ${arg.replace(/=.*$/, '')}`);
    }
}

// Values a flag takes (cli/flags.ts FLAG_VALUES): "--preset deb<TAB>", "--vary=-all,+ti<TAB>"
// (a list completes its last item), with "--flag=" or as the next word; bash splits
// "--flag=value" at "=" into three words, which is read back as one.
function bashValues(values) {
  const cases = Object.entries(values).map(([flag, { words }]) => `    --${flag}) values="${words.join(' ')}" ;;`);
  const lists = Object.entries(values)
    .filter(([, v]) => v.list)
    .map(([flag]) => `--${flag}`)
    .join('|');
  return `  local prev=\${COMP_WORDS[COMP_CWORD-1]} flag="" value=$cur head="" values=""
  if [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 3 ]; then flag=\${COMP_WORDS[COMP_CWORD-2]}
  elif [ "$cur" = "=" ]; then flag=$prev; value=""
  elif [[ $cur == --*=* ]]; then flag=\${cur%%=*}; value=\${cur#*=}; head="$flag="
  elif [[ $prev == --* ]]; then flag=$prev
  fi
  case $flag in
${cases.join('\n')}
  esac
  if [ -n "$values" ]; then
    case $flag in
      ${lists}) if [[ $value == *,* ]]; then head="$head\${value%,*},"; value=\${value##*,}; fi ;;
    esac
    COMPREPLY=($(compgen -P "$head" -W "$values" -- "$value"))
    return
  fi`;
}

function bashCompletion(commands, flags, values) {
  const cases = [...commands].map(([name, { subcommands }]) => {
    const subs = subcommands.length ? `\n      [ "$COMP_CWORD" -eq 2 ] && words="${subcommands.join(' ')}"` : '';
    return `    ${name}) flags="${[...flags.get(name), '--help'].join(' ')}"${subs} ;;`;
  });
  const names = [...commands.keys()].join(' ');
  return `# bash completion for twinbuild. Generated by scripts/gen-docs.mjs from the
# --help texts and the flag table; do not edit. Load with: source twinbuild.bash
_twinbuild() {
  local cur=\${COMP_WORDS[COMP_CWORD]} flags="" words=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${names} help --help --version" -- "$cur"))
    return
  fi
${bashValues(values)}
  case \${COMP_WORDS[1]} in
${cases.join('\n')}
    help) [ "$COMP_CWORD" -eq 2 ] && words="${names}" ;;
  esac
  case $cur in
    -*) COMPREPLY=($(compgen -W "$flags" -- "$cur")) ;;
    *) if [ -n "$words" ]; then COMPREPLY=($(compgen -W "$words" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi ;;
  esac
}
complete -o filenames -o bashdefault -F _twinbuild twinbuild
`;
}

function zshCompletion(commands, flags, values) {
  const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  // _describe splits NAME:DESCRIPTION at the first colon that is not escaped.
  const described = [...commands].map(
    ([name, { summary }]) => `    ${quote(`${name}:${summary.replace(/:/g, '\\:')}`)}`,
  );
  const cases = [...commands].map(([name, { subcommands }]) => {
    const subs = subcommands.length ? ` subcommands=(${subcommands.join(' ')})` : '';
    return `    ${name}) flags=(${[...flags.get(name), '--help'].join(' ')})${subs} ;;`;
  });
  const valueCases = Object.entries(values).map(
    ([flag, { words }]) => `    --${flag}) values=(${words.map(quote).join(' ')}) ;;`,
  );
  const lists = Object.entries(values)
    .filter(([, v]) => v.list)
    .map(([flag]) => `--${flag}`)
    .join('|');
  return `#compdef twinbuild
# zsh completion for twinbuild. Generated by scripts/gen-docs.mjs from the
# --help texts and the flag table; do not edit. Put it in a directory on $fpath.
_twinbuild() {
  local -a commands flags subcommands values
  local flag=$words[CURRENT-1]
  commands=(
${described.join('\n')}
  )
  if (( CURRENT == 2 )); then
    _describe 'twinbuild command' commands
    return
  fi
  [[ $PREFIX == --*=* ]] && flag=\${PREFIX%%=*}
  case $flag in
${valueCases.join('\n')}
  esac
  if (( $#values )); then
    [[ $PREFIX == --*=* ]] && compset -P '*='
    case $flag in
      ${lists}) compset -P '*,' ;;
    esac
    compadd -- $values
    return
  fi
  case $words[2] in
${cases.join('\n')}
    help) (( CURRENT == 3 )) && subcommands=(\${commands%%:*}) ;;
  esac
  if (( CURRENT == 3 && $#subcommands )); then
    compadd -- $subcommands
  elif [[ $PREFIX == -* ]]; then
    compadd -- $flags
  else
    _files
  fi
}
_twinbuild "$@"
`;
}

/** docs/cli.md: the main help, a table of every flag and the commands that take it, then each command's help. */
function cliReference(version, mainHelp, helps, flags, table) {
  const anchor = (name) => `[${name}](#twinbuild-${name})`;
  const takes = ({ type, multiple }) => (type === 'boolean' ? 'on/off' : multiple ? 'a value, repeatable' : 'a value');
  const rows = Object.entries(table).map(([flag, spec]) => {
    const users = [...flags].filter(([, offered]) => offered.includes(`--${flag}`)).map(([name]) => anchor(name));
    return `| \`--${flag}\` | ${takes(spec)} | ${users.join(', ') || '—'} |`;
  });
  const text = (help) => ['```text', help.trimEnd(), '```'];
  return [
    '# twinbuild command-line reference',
    '',
    `<!-- Generated by scripts/gen-docs.mjs from twinbuild's --help texts and the flag table; do not edit. -->`,
    '',
    `Every command and flag of twinbuild ${version}, as \`--help\` prints them (the same text`,
    'as the man page, `man -l man/twinbuild.1`). The guides in [README.md](README.md) explain',
    'them by task.',
    '',
    '```sh run',
    'twinbuild --help',
    '```',
    '',
    ...text(mainHelp),
    '',
    '## Flags',
    '',
    'Each flag means the same in every command that takes it (`cli/flags.ts`).',
    '',
    '| flag | takes | commands |',
    '|---|---|---|',
    ...rows,
    '',
    ...[...helps].flatMap(([name, help]) => [`## twinbuild ${name}`, '', ...text(help), '']),
  ].join('\n');
}

/** Every generated file's path (relative to the repository) and text. */
export async function renderDocs() {
  const { FLAGS, FLAG_VALUES } = await import(pathToFileURL(join(ROOT, 'dist', 'cli', 'flags.js')).href);
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const mainHelp = helpOf();
  const commands = commandsOf(mainHelp);
  const helps = new Map([...commands.keys()].map((name) => [name, helpOf(name)]));
  const flags = new Map([...helps].map(([name, help]) => [name, flagsIn(help, FLAGS)]));
  checkExamples(flags);
  return {
    [OUTPUTS.man]: manPage(version, mainHelp, helps),
    [OUTPUTS.bash]: bashCompletion(commands, flags, FLAG_VALUES),
    [OUTPUTS.zsh]: zshCompletion(commands, flags, FLAG_VALUES),
    [OUTPUTS.reference]: cliReference(version, mainHelp, helps, flags, FLAGS),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [path, text] of Object.entries(await renderDocs())) {
    const file = join(ROOT, path);
    if (check) {
      let current = '';
      try {
        current = readFileSync(file, 'utf8');
      } catch {
        // not written yet: it is not current
      }
      if (current !== text) {
        console.error(`${path} is not current: run node scripts/gen-docs.mjs`);
        stale++;
      }
    } else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
  }
  process.exit(stale ? 1 : 0);
}
