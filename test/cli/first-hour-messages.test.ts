// Issue 19, CLI habits (item 13), reprotest's --vary forms (item 14) and the
// empty sweep (item 7): each message a newcomer meets is one line that says
// what to do, from a real run of the CLI.
import { expect } from 'chai';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { check, cleanupTemp, EXAMPLES, runCli, tempDir } from '../helpers.js';

const oneLine = (text: string) => expect(text.trim().split('\n'), text).to.have.length(1);

describe('first-hour messages: unknown words get one line and a suggestion (issue 19, item 13)', function () {
  after(cleanupTemp);

  it('an unknown flag: one line naming it, with "did you mean --build?", not Node\'s parser text', async () => {
    const run = await runCli(['check', '.', '--bulid', 'make'], { withOut: false });
    expect(run.exitCode).to.equal(2);
    oneLine(run.stderr);
    expect(run.stderr).to.contain('unknown option --bulid; did you mean --build?');
    expect(run.stderr).not.to.contain('To specify a positional argument');
  });

  it("a command's own small flag set (keygen) gets the same one line", async () => {
    const run = await runCli(['keygen', '--outt', 'x'], { withOut: false });
    expect(run.exitCode).to.equal(2);
    oneLine(run.stderr);
    expect(run.stderr).to.contain('unknown option --outt; did you mean --out?');
  });

  it('suggestions for a command (chek), a variation (--vary=-tiem) and a preset (npn)', async () => {
    const command = await runCli(['chek'], { withOut: false });
    expect(command.exitCode).to.equal(2);
    expect(command.stderr).to.contain('did you mean check?');
    const variation = await check(join(EXAMPLES, 'reproducible'), '--vary=-tiem');
    expect(variation.exitCode).to.equal(2);
    expect(variation.stderr).to.contain('unknown variation "tiem"').and.to.contain('did you mean time?');
    const preset = await runCli(['check', join(EXAMPLES, 'reproducible'), '--preset', 'npn']);
    expect(preset.exitCode).to.equal(2);
    expect(preset.stderr).to.contain('did you mean npm?');
  });

  it('help: "help check" shows check\'s help; --help exits 0 on stdout; no arguments is the same text on stderr, exit 2', async () => {
    const topic = await runCli(['help', 'check'], { withOut: false });
    expect(topic.exitCode).to.equal(0);
    expect(topic.stdout).to.match(/^Usage: twinbuild check /);
    const help = await runCli(['--help'], { withOut: false });
    expect(help.exitCode).to.equal(0);
    const bare = await runCli([], { withOut: false });
    expect(bare.exitCode).to.equal(2);
    expect(bare.stdout).to.equal('');
    expect(bare.stderr).to.equal(help.stdout);
  });

  it('"report" without a subcommand lists badge and merge', async () => {
    const run = await runCli(['report'], { withOut: false });
    expect(run.exitCode).to.equal(2);
    oneLine(run.stderr);
    expect(run.stderr).to.contain('badge').and.to.contain('merge');
  });
});

describe("reprotest's --vary forms (issue 19, item 14)", function () {
  this.timeout(240_000);
  after(cleanupTemp);

  it(
    'user_group.available, time.faketimes and domain_host.use_sudo are accepted, ' +
      'each read as enabling its variation, with a note',
    async () => {
      const run = await runCli([
        'check',
        join(EXAMPLES, 'reproducible'),
        '--build',
        'sh build.sh',
        '--artifacts',
        'out/**',
        '--no-bisect',
        '--variations=user_group.available+=builder:builder,time.faketimes+=@1234',
        '--vary=domain_host.use_sudo=1',
      ]);
      expect(run.exitCode, run.stderr).to.be.oneOf([0, 1]);
      expect(run.stderr)
        .to.contain('read as +user_group')
        .and.to.contain('read as +time')
        .and.to.contain('read as +domain_host');
      const pkg = (await run.results()).packages[0]!;
      const varied = pkg.variations.filter((v) => v.status === 'varied').map((v) => v.name);
      // --variations starts from nothing varied, as reprotest's does; --vary adds to it.
      expect(varied.filter((n) => ['user_group', 'time', 'domain_host'].includes(n))).to.deep.equal(varied);
      expect(pkg.variations.filter((v) => v.requested).map((v) => v.name)).to.have.members([
        'user_group',
        'time',
        'domain_host',
      ]);
    },
  );

  it('an option twinbuild has no meaning for is still exit 2 with one line', async () => {
    const run = await check(join(EXAMPLES, 'reproducible'), '--vary=kernel.nope=1');
    expect(run.exitCode).to.equal(2);
    oneLine(run.stderr);
  });
});

describe('a sweep that finds no packages says why (issue 19, item 7)', function () {
  after(cleanupTemp);

  it('exit 3, and the reason on the console and in results.json', async () => {
    const root = join(await tempDir(), 'empty-repo');
    await mkdir(root);
    const run = await runCli(['sweep', root, '--quiet']);
    expect(run.exitCode).to.equal(3);
    expect(run.stdout).to.match(
      /no packages checked: no package found under .*empty-repo.*debian\/control or package\.json/,
    );
    expect((await run.results()).nothingChecked).to.match(/^no package found under/);
  });
});

describe('a variable the locales variation sets is refused, not silently overridden (issue 19, item 12)', function () {
  this.timeout(120_000);
  after(cleanupTemp);

  it('--env LC_ALL=C with locales varied: exit 2 naming LC_ALL, locales and the way out', async () => {
    const run = await check(join(EXAMPLES, 'reproducible'), '--env', 'LC_ALL=C');
    expect(run.exitCode).to.equal(2);
    oneLine(run.stderr);
    expect(run.stderr).to.contain('--env LC_ALL (set by the locales variation)').and.to.contain('--vary=-locales');
  });

  it('a config "env" LC_COLLATE with +locales names the config\'s "env"; docs/sweeps.md\'s example entry (CFLAGS) runs', async () => {
    const root = join(await tempDir(), 'repo');
    await mkdir(join(root, 'tools'), { recursive: true });
    await cp(join(EXAMPLES, 'reproducible'), join(root, 'tools', 'cli'), { recursive: true });
    const config = (env: Record<string, string>) =>
      JSON.stringify({
        defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
        packages: [{ path: 'tools/cli', vary: '-all,+locales', env }],
      });
    await writeFile(join(root, 'twinbuild.config.json'), config({ LC_COLLATE: 'C' }));
    const refused = await runCli(['sweep', root, '--quiet']);
    expect(refused.exitCode).to.equal(2);
    expect(refused.stderr).to.contain('"env" LC_COLLATE (set by the locales variation)');
    await writeFile(join(root, 'twinbuild.config.json'), config({ CFLAGS: '-O2' }));
    const readme = await runCli(['sweep', root, '--quiet', '--no-bisect']);
    expect(readme.exitCode, readme.stderr + readme.stdout).to.equal(0);
  });
});
