// Hostile artifacts: special files are described and never opened, odd names
// (line breaks, bytes that are not UTF-8, leading dashes, 4,000-character paths)
// are compared and come out intact and escaped in every report.
import { expect } from 'chai';
import { chmod, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { checkArgv, check, cleanupTemp, fixture, tempDir } from '../helpers.js';

const xmllintAccepts = async (file: string) =>
  (await realProcesses.capture(['xmllint', '--noout', file])).exitCode === 0;

describe('reliability: hostile artifacts', function () {
  after(cleanupTemp);

  it('describes FIFOs, sockets and device nodes, never opens them, and compares them by kind', async () => {
    // Opening the FIFO would block forever: finishing at all shows it was not opened.
    const source = await fixture(
      [
        'mkfifo out/pipe',
        `python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('out/sock')"`,
        'mknod out/null c 1 3',
        // umask is varied: the control gets a FIFO, the experiment a regular file.
        'if [ "$(umask)" = 0022 ]; then mkfifo out/shifty; else echo > out/shifty; fi',
      ].join('\n'),
    );
    // Only a build with real root makes a device node: the sandbox refuses mknod, so
    // this one builds unsandboxed (one side after the other, as root).
    const run = await check(source, '--vary=-all,+umask', '--isolation', 'sequential');
    expect(run.exitCode, run.stderr).to.equal(1);
    const artifacts = (await run.results()).packages[0]!.artifacts;
    const byPath = new Map(artifacts.map((a) => [a.path, a]));
    expect(byPath.get('out/pipe')).to.include({ kind: 'special', status: 'identical' });
    expect(byPath.get('out/pipe')!.node).to.deep.equal({ control: 'fifo', experiment: 'fifo' });
    expect(byPath.get('out/sock')!.node).to.deep.equal({ control: 'socket', experiment: 'socket' });
    expect(byPath.get('out/null')!.node).to.deep.equal({ control: 'char device 1:3', experiment: 'char device 1:3' });
    const shifty = byPath.get('out/shifty')!;
    expect(shifty.status).to.equal('differs');
    expect(shifty.node).to.deep.equal({ control: 'fifo', experiment: null });
    const html = await readFile(join(run.out, 'index.html'), 'utf8');
    expect(html).to.contain('(fifo)').and.to.contain('(char device 1:3)');
  });

  it('compares names with line breaks, non-UTF-8 bytes, leading dashes and 4,000-character paths, in every report', async () => {
    const longDir = Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(199, 'd')).join('/');
    const source = await fixture(
      [
        `printf a > "out/$(printf 'bad\\377name')"`,
        'printf a > out/-rf',
        'printf "$(umask)" > out/--help', // differs: diffoscope must get it as a file, not an option
        `mkdir -p "out/${longDir}" && printf a > "out/${longDir}/leaf"`,
        'printf "$(umask)" > "out/new\nline"',
        `printf '%s' "$(umask)" > "out/<b>&amp;]]>"`,
      ].join('\n'),
    );
    const run = await check(source, '--vary=-all,+umask');
    expect(run.exitCode, run.stderr).to.equal(1);
    const pkg = (await run.results()).packages[0]!;
    const status = Object.fromEntries(pkg.artifacts.map((a) => [a.path, a.status]));
    const long = `out/${longDir}/leaf`;
    expect(long.length).to.be.greaterThan(4000);
    expect(status).to.deep.equal({
      'out/--help': 'differs',
      'out/-rf': 'identical',
      'out/<b>&amp;]]>': 'differs',
      'out/bad\\xffname': 'identical',
      [long]: 'identical',
      'out/new\nline': 'differs',
    });
    expect(pkg.artifacts.find((a) => a.path === 'out/bad\\xffname')!.escapedName).to.equal(true);
    // diffoscope compared "--help" as a file and found the umask in it.
    const help = pkg.diffoscope.find((d) => d.artifact === 'out/--help')!;
    expect(help.status, help.message ?? '').to.equal('differences');
    expect(help.excerpt).to.contain('0022');

    expect(await xmllintAccepts(join(run.out, 'junit.xml'))).to.equal(true);
    const junit = await readFile(join(run.out, 'junit.xml'), 'utf8');
    expect(junit).to.contain('name="out/--help"').and.to.contain('name="out/&lt;b>&amp;amp;]]>"');
    const html = await readFile(join(run.out, 'index.html'), 'utf8');
    expect(html)
      .to.contain('<span>out/</span><span>&lt;b&gt;&amp;amp;]]&gt;</span>')
      .and.to.contain('<span>out/</span><span>bad\\xffname</span>')
      .and.not.to.contain('<b>&amp;');
    // The console escapes control characters rather than breaking the line.
    expect(run.stdout).to.contain('out/new\\x0aline');
    expect(run.stdout.split('\n').some((l) => l === 'line')).to.equal(false);
  });

  it('a file it may not read is an error naming it, never a pass (run unprivileged)', async () => {
    const source = await fixture('echo a > out/ok\necho s > out/secret\nchmod 000 out/secret');
    await chmod(dirname(source), 0o755);
    await chmod(join(source, 'build.sh'), 0o644);
    const scratch = await tempDir('tb-unpriv-');
    await chmod(scratch, 0o777);
    const out = join(scratch, 'out');
    const run = await realProcesses.capture(
      [
        'setpriv',
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        ...checkArgv(source, '--vary=-all', '--quiet', '--out', out),
      ],
      { env: { ...(process.env as Record<string, string>), TMPDIR: scratch, HOME: scratch }, timeoutMs: 60_000 },
    );
    expect(run.exitCode, run.stdout + run.stderr).to.equal(3);
    expect(run.stdout).to.match(/EACCES.*out\/secret/);
    const pkg = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')).packages[0];
    expect(pkg.verdict).to.equal('error');
    expect((await readdir(scratch)).filter((n) => n.startsWith('twinbuild-'))).to.deep.equal([]);
  });
});
