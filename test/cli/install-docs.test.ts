// What packagers and shells get: the LICENSE, the man page, the bash/zsh
// completions and docs/cli.md generated from the --help texts and the flag table, kept current.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { REPO_ROOT, onPath, requireOrSkip } from '../helpers.js';

type Rendered = Record<string, string>;
const renderDocs = async (): Promise<Rendered> =>
  (
    (await import(pathToFileURL(join(REPO_ROOT, 'scripts', 'gen-docs.mjs')).href)) as {
      renderDocs: () => Promise<Rendered>;
    }
  ).renderDocs();

/** What the bash completion offers for the words typed so far (the last one is being completed). */
async function complete(...words: string[]): Promise<string[]> {
  const script = `source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _twinbuild; echo "\${COMPREPLY[@]}"`;
  const run = await realProcesses.capture([
    'bash',
    '-c',
    script,
    join(REPO_ROOT, 'completion', 'twinbuild.bash'),
    'twinbuild',
    ...words,
  ]);
  expect(run.exitCode, run.stderr).to.equal(0);
  return run.stdout.trim().split(/\s+/).filter(Boolean);
}

describe('install: license, man page, completion', function () {
  it('ships an MIT LICENSE, as package.json says', async () => {
    const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      license: string;
      man: string;
      files: string[];
    };
    expect(manifest.license).to.equal('MIT');
    expect(await readFile(join(REPO_ROOT, 'LICENSE'), 'utf8')).to.match(
      /^MIT License\n[\s\S]*Permission is hereby granted, free of charge/,
    );
    expect(manifest.man).to.equal('man/twinbuild.1');
    expect(manifest.files).to.include.members(['man', 'completion']);
  });

  it('puts twinbuild on PATH from a clone with PATH="$PWD/bin:$PATH", as docs/install.md and the README say', async () => {
    for (const doc of ['docs/install.md', 'README.md'])
      expect(await readFile(join(REPO_ROOT, doc), 'utf8'), doc).to.include('`export PATH="$PWD/bin:$PATH"`');
    const run = await realProcesses.capture([
      'sh',
      '-c',
      'cd "$0" && export PATH="$PWD/bin:$PATH" && twinbuild --version',
      REPO_ROOT,
    ]);
    expect(run.exitCode, run.stderr).to.equal(0);
    const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(run.stdout.trim()).to.equal(manifest.version);
  });

  it('has a man page, completions and docs/cli.md that are current with the --help texts and the flag table', async () => {
    const rendered = await renderDocs();
    expect(Object.keys(rendered)).to.have.members([
      'man/twinbuild.1',
      'completion/twinbuild.bash',
      'completion/_twinbuild',
      'docs/cli.md',
    ]);
    for (const [path, text] of Object.entries(rendered)) {
      expect(await readFile(join(REPO_ROOT, path), 'utf8'), `${path} is stale: run node scripts/gen-docs.mjs`).to.equal(
        text,
      );
    }
    const man = rendered['man/twinbuild.1'] ?? '';
    for (const command of ['check', 'sweep', 'verify', 'init', 'hook'])
      expect(man).to.include(`.SS "twinbuild ${command}"`);
    expect(man).to.include('\\-\\-changed\\-since');
    const reference = rendered['docs/cli.md'] ?? '';
    for (const command of ['check', 'sweep', 'verify', 'init', 'hook'])
      expect(reference).to.include(`\n## twinbuild ${command}\n`);
    expect(reference).to.match(/^\| `--changed-since` \| a value \| \[sweep\]\(#twinbuild-sweep\) \|$/m);
  });

  it('renders the man page at 80 columns without a warning from man, and lexgrog reads its NAME', async function () {
    requireOrSkip(
      this,
      Boolean(await onPath('man')) && Boolean(await onPath('lexgrog')),
      'man and lexgrog not found (Debian package man-db)',
    );
    const page = join(REPO_ROOT, 'man', 'twinbuild.1');
    const run = await realProcesses.capture(['man', '--warnings', '-E', 'UTF-8', '-l', page], {
      env: { ...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '', PAGER: 'cat' } as Record<string, string>,
    });
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
    const text = run.stdout.replace(/.\x08/g, ''); // overstrike bold and underline
    const wide = text.split('\n').filter((line) => [...line].length > 80);
    expect(wide, 'lines wider than 80 columns').to.deep.equal([]);
    expect(text).to.not.match(/\u2010$/m); // no word broken by hyphenation
    const sections = text.split('\n').filter((line) => /^[A-Z][A-Z ]+$/.test(line));
    expect(sections).to.deep.equal([
      'NAME',
      'SYNOPSIS',
      'DESCRIPTION',
      'COMMANDS',
      'OPTIONS',
      'EXIT STATUS',
      'ENVIRONMENT',
      'FILES',
      'EXAMPLES',
      'SEE ALSO',
    ]);
    expect(text).to.match(/^ {7}3 {6}build or infrastructure error$/m);
    expect(text).to.match(/^ {7}--changed-since REV\n {14}only packages with files changed/m);
    const lexgrog = await realProcesses.capture(['lexgrog', page]);
    expect(lexgrog.exitCode, lexgrog.stdout + lexgrog.stderr).to.equal(0);
    expect(lexgrog.stdout.trim()).to.equal(
      `${page}: "twinbuild - build twice under varied environments, compare byte for byte"`,
    );
  });

  it('documents every environment variable the CLI reads', async () => {
    const { ENVIRONMENT } = (await import(pathToFileURL(join(REPO_ROOT, 'scripts', 'gen-docs.mjs')).href)) as {
      ENVIRONMENT: [string, string][];
    };
    const documented = ENVIRONMENT.flatMap(([names]) => names.split(', '));
    const read = new Set<string>();
    for (const file of [
      'cli/environment.ts',
      'cli/settings.ts',
      'cli/commands/check.ts',
      'cli/commands/verify.ts',
      'suites/shard.ts',
    ]) {
      const source = await readFile(join(REPO_ROOT, file), 'utf8');
      for (const [, name] of source.matchAll(/(?:env|vars|process\.env)\[['"]([A-Z_]+)['"]\]/g)) read.add(name!);
    }
    read.add('TMPDIR'); // os.tmpdir()
    expect(read.size).to.be.greaterThan(4);
    expect([...read].filter((name) => !documented.includes(name))).to.deep.equal([]);
  });

  it("completes commands, subcommands and each command's own flags in bash", async () => {
    expect(await complete('che')).to.deep.equal(['check']);
    expect(await complete('')).to.include.members(['check', 'sweep', 'verify', 'init', 'hook', '--version']);
    expect(await complete('hook', '')).to.deep.equal(['install', 'uninstall']);
    expect(await complete('report', '')).to.deep.equal(['badge', 'merge', 'history']);
    expect(await complete('check', '--pre')).to.deep.equal(['--preset']);
    expect(await complete('sweep', '--chan')).to.deep.equal(['--changed-since']);
    expect(await complete('check', '--chan'), 'check has no --changed-since').to.deep.equal([]);
    expect(await complete('verify', '--pub')).to.deep.equal(['--published']);
  });

  it('completes values: presets, variations after --vary= (+/-, each list item), reporters, isolations, commands after help', async () => {
    expect(await complete('check', '--preset', 'd')).to.deep.equal(['debian']);
    expect(await complete('check', '--preset=n')).to.deep.equal(['--preset=npm']);
    // bash splits "--vary=-all,+ti" at "=" into three words (COMP_WORDBREAKS); both ways complete.
    expect(await complete('check', '--vary', '=', '-all,+tim')).to.deep.equal(['-all,+time', '-all,+timezone']);
    expect(await complete('check', '--vary=-all,+lo')).to.deep.equal(['--vary=-all,+locales']);
    expect(await complete('sweep', '--vary', '=', '-')).to.include.members(['-all', '-umask', '-time']);
    expect(await complete('check', '--vary', '=', '')).to.include.members(['+all', '-all', '+fileordering']);
    expect(await complete('check', '--reporter', 'html,ju')).to.deep.equal(['html,junit']);
    expect(await complete('check', '--reporter', '')).to.deep.equal(['json', 'junit', 'html', 'badge', 'console']);
    expect(await complete('check', '--isolation', '')).to.deep.equal(['auto', 'namespaces', 'sequential']);
    expect(await complete('layout', '--packages', '')).to.deep.equal(['deb', 'rpm']);
    expect(await complete('help', 'sw')).to.deep.equal(['sweep']);
    expect(await complete('help', '')).to.include.members(['check', 'sweep', 'verify', 'init', 'hook', 'doctor']);
    expect(await complete('h')).to.deep.equal(['hook', 'help']);
  });

  it('has a zsh completion for every command', async function () {
    const zsh = await readFile(join(REPO_ROOT, 'completion', '_twinbuild'), 'utf8');
    expect(zsh.split('\n')[0]).to.equal('#compdef twinbuild');
    for (const command of ['check', 'sweep', 'verify', 'init', 'hook', 'report'])
      expect(zsh).to.match(new RegExp(`^    '${command}:`, 'm'));
    expect(zsh).to.match(/^ {4}--isolation\) values=\('auto' 'namespaces' 'sequential'\) ;;$/m);
    expect(zsh).to.match(/^ {6}--reporter\|--vary\|--variations\) compset -P '\*,' ;;$/m);
    requireOrSkip(
      this,
      existsSync('/bin/zsh') || existsSync('/usr/bin/zsh'),
      'zsh not found (Debian package zsh): its syntax check does not run',
    );
    const run = await realProcesses.capture(['zsh', '-n', join(REPO_ROOT, 'completion', '_twinbuild')]);
    expect(run.exitCode, run.stderr).to.equal(0);
  });
});
