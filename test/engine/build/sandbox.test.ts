// The build sandbox under attack (issue 28): a hostile build tries each way out
// that worked before the sandbox, and the same run still gives a normal package
// its right verdict. Every attack's outcome is printed by the build into its log,
// and the host is checked from outside too (files, listeners, processes).
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { canUseMountNamespaces, SANDBOX_ID_BASE } from '../../../adapters/namespaces.js';
import { realProcesses } from '../../../adapters/process.js';
import { check, cleanupTemp, EXAMPLES, fixture, requireOrSkip, runCli, tempDir } from '../../helpers.js';

/** `NAME: RESULT` lines the hostile build prints, as a map. */
const outcomes = (log: string) =>
  new Map([...log.matchAll(/^attack (\S+): (.*)$/gm)].map((m) => [m[1] ?? '', (m[2] ?? '').trim()]));

async function listen(): Promise<{ server: Server; port: number; connections: () => number }> {
  let count = 0;
  const server = createServer((socket) => {
    count++;
    // The client may be gone before the greeting: a reset is no failure of this test.
    socket.on('error', () => {});
    socket.end('hello\n');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, connections: () => count };
}

describe('the build sandbox', function () {
  this.timeout(180_000);
  let secretDir: string;
  let secret: string;

  before(async function () {
    requireOrSkip(this, await canUseMountNamespaces(realProcesses), 'no sandbox here (bubblewrap or namespaces)');
    secretDir = await tempDir('tb-secret-');
    secret = join(secretDir, 'signing.key');
    // World-readable on purpose: the sandbox must hide it, not only its mode.
    await writeFile(secret, 'PRIVATE KEY MATERIAL\n');
    await chmod(secret, 0o644);
  });
  after(cleanupTemp);

  it('holds against a hostile build: no key, no host write, no network, no other process, no privilege', async () => {
    const { server, port, connections } = await listen();
    const outside = await tempDir('tb-outside-');
    await chmod(outside, 0o777);
    try {
      const pkg = await fixture(
        [
          'attack() { printf "attack %s: %s\\n" "$1" "$2"; }',
          // Privilege: ids, capabilities, no_new_privs, and the host id behind uid 0.
          'attack uid "$(id -u)"',
          'attack capeff "$(awk \'/^CapEff/ {print $2}\' /proc/self/status)"',
          'attack nonewprivs "$(awk \'/^NoNewPrivs/ {print $2}\' /proc/self/status)"',
          'attack hostid "$(awk \'{print $2}\' /proc/self/uid_map)"',
          // Other processes: twinbuild, the test runner, the other build.
          'attack processes "$(ls /proc | grep -c "^[0-9]")"',
          `attack parent-environ "$(cat /proc/${process.pid}/environ 2>/dev/null | head -c 20 | tr -d "\\0" || true)"`,
          `attack parent-signal "$(kill -0 ${process.pid} 2>/dev/null && echo delivered || echo refused)"`,
          // The key, by path and through /proc.
          `attack key-path "$(cat ${secret} 2>/dev/null || echo unreadable)"`,
          `attack key-proc "$(cat /proc/${process.pid}/root${secret} 2>/dev/null || echo unreadable)"`,
          'attack shadow "$(head -c 4 /etc/shadow 2>/dev/null || echo unreadable)"',
          // Writes outside the workspace.
          `attack write-outside "$(touch ${outside}/escaped 2>/dev/null && echo written || echo refused)"`,
          'attack write-root "$(touch /root/twinbuild-escaped 2>/dev/null && echo written || echo refused)"',
          'attack write-usr "$(touch /usr/twinbuild-escaped 2>/dev/null && echo written || echo refused)"',
          'attack remount "$(mount -o remount,rw / 2>/dev/null && echo remounted || echo refused)"',
          'attack mount "$(mount -t tmpfs none /mnt 2>/dev/null && echo mounted || echo refused)"',
          // The network: a listener of the host's loopback.
          // bash, for /dev/tcp; it must be there, or the attack proves nothing.
          'command -v bash >/dev/null',
          `attack connect "$(bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' 2>/dev/null && echo connected || echo refused)"`,
          'echo ok > out/a',
        ].join('\n'),
      );
      const run = await check(pkg, '--vary=-all', '--no-bisect');
      const log = await readFile(join(run.out, 'logs', 'pkg', 'control.log'), 'utf8');
      const seen = outcomes(log);
      expect(run.exitCode, run.stderr + log).to.equal(0);
      expect(seen.get('uid'), log).to.equal('0');
      expect(seen.get('capeff'), log).to.equal('0000000000000000');
      expect(seen.get('nonewprivs'), log).to.equal('1');
      if (process.getuid?.() === 0) expect(Number(seen.get('hostid'))).to.be.at.least(SANDBOX_ID_BASE);
      expect(Number(seen.get('processes')), log).to.be.below(10);
      expect(seen.get('parent-environ'), log).to.equal('');
      expect(seen.get('parent-signal'), log).to.equal('refused');
      expect(seen.get('key-path'), log).to.equal('unreadable');
      expect(seen.get('key-proc'), log).to.equal('unreadable');
      expect(seen.get('shadow'), log).to.equal('unreadable');
      expect(seen.get('write-outside'), log).to.equal('refused');
      expect(seen.get('write-root'), log).to.equal('refused');
      expect(seen.get('write-usr'), log).to.equal('refused');
      expect(seen.get('remount'), log).to.equal('refused');
      expect(seen.get('mount'), log).to.equal('refused');
      expect(seen.get('connect'), log).to.equal('refused');
      expect(log).to.not.include('PRIVATE KEY MATERIAL');
      // And from outside: nothing written, nothing connected.
      expect(existsSync(join(outside, 'escaped'))).to.equal(false);
      expect(existsSync('/root/twinbuild-escaped')).to.equal(false);
      expect(existsSync('/usr/twinbuild-escaped')).to.equal(false);
      expect(connections()).to.equal(0);
    } finally {
      server.close();
    }
  });

  it('hides the source, the out dir and HOME, and a build cannot write its source through its copy', async () => {
    const home = await tempDir('tb-home-');
    await chmod(home, 0o755);
    await writeFile(join(home, 'token'), 'HOME SECRET\n');
    await chmod(join(home, 'token'), 0o644);
    const pkg = await fixture(
      [
        'attack() { printf "attack %s: %s\\n" "$1" "$2"; }',
        'attack source "$(ls "$SOURCE_DIR" 2>/dev/null | tr "\\n" " " || true)"',
        'attack home "$(cat "$HOST_HOME/token" 2>/dev/null || echo unreadable)"',
        'attack source-write "$(touch "$SOURCE_DIR/escaped" 2>/dev/null && echo written || echo refused)"',
        'echo ok > out/a',
      ].join('\n'),
    );
    const run = await runCli(
      [
        'check',
        pkg,
        '--build',
        'sh build.sh',
        '--artifacts',
        'out/**',
        '--quiet',
        '--vary=-all',
        '--no-bisect',
        '--env',
        `SOURCE_DIR=${pkg}`,
        '--env',
        `HOST_HOME=${home}`,
      ],
      { env: { HOME: home } },
    );
    const log = await readFile(join(run.out, 'logs', 'pkg', 'control.log'), 'utf8');
    const seen = outcomes(log);
    expect(run.exitCode, run.stderr + log).to.equal(0);
    expect(seen.get('source'), log).to.equal('');
    expect(seen.get('home'), log).to.equal('unreadable');
    expect(seen.get('source-write'), log).to.equal('refused');
    expect(existsSync(join(pkg, 'escaped'))).to.equal(false);
  });

  it('--network opts in: the same connection then reaches the host loopback listener', async () => {
    const { server, port, connections } = await listen();
    try {
      const pkg = await fixture(
        `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' && echo connected || echo refused\necho ok > out/a`,
      );
      const run = await check(pkg, '--vary=-all', '--no-bisect', '--network');
      expect(run.exitCode, run.stderr).to.equal(0);
      const log = await readFile(join(run.out, 'logs', 'pkg', 'control.log'), 'utf8');
      expect(log).to.include('connected');
      expect(connections()).to.be.at.least(1);
    } finally {
      server.close();
    }
  });

  it('bounds a fork bomb and a memory hog (--max-processes, --max-memory): an error verdict, nothing left running', async () => {
    const pkg = await fixture(
      [
        'echo ok > out/a',
        // 200 sleepers against a bound of 32: forks fail, and the build fails with them.
        'i=0; while [ $i -lt 200 ]; do sleep 60 & i=$((i + 1)); done',
      ].join('\n'),
    );
    const bomb = await check(pkg, '--vary=-all', '--no-bisect', '--max-processes', '32');
    expect(bomb.exitCode, bomb.stderr).to.equal(3);
    expect(bomb.stdout).to.include('ran into the process limit (--max-processes 32)');
    expect((await bomb.results()).packages[0]!.error?.code).to.equal('build-failed');
    const hog = await fixture(['echo ok > out/a', "/usr/bin/python3 -c 'b = bytearray(600 * 1024 * 1024)'"].join('\n'));
    const memory = await check(hog, '--vary=-all', '--no-bisect', '--max-memory', '256M');
    expect(memory.exitCode, memory.stderr).to.equal(3);
    const log = await readFile(join(memory.out, 'logs', 'pkg', 'control.log'), 'utf8');
    expect(log).to.include('MemoryError');
    expect(memory.stdout).to.include('ran into the memory limit (--max-memory 256M)');
    const left = await realProcesses.capture(['pgrep', '-f', 'sleep 60']);
    expect(left.stdout.trim()).to.equal('');
  });

  it('what a build prints reaches the terminal escaped: no retitle, no clear, no line drawn over the verdict', async () => {
    // A failing build's log tail, and a difference whose excerpt carries the same bytes.
    const hostile = "printf '\\033]0;pwned\\007\\033[2J\\033[1A\\033[2K reproducible: fine\\n'";
    const failing = await fixture(`${hostile}\nexit 1`);
    const failed = await check(failing, '--vary=-all', '--no-bisect');
    expect(failed.exitCode).to.equal(3);
    expect(failed.stdout + failed.stderr).to.include('\\x1b]0;pwned');
    const differing = await fixture(`${hostile} > out/a\ndate +%N >> out/a`);
    const differed = await check(differing, '--vary=-all', '--no-bisect');
    expect(differed.exitCode).to.equal(1);
    expect(differed.stdout).to.include('\\x1b[2K reproducible: fine');
    for (const run of [failed, differed]) expect(run.stdout + run.stderr).to.not.match(/[\u001b\u0007]/);
  });

  it(
    'without the sandbox (--isolation sequential) check says NOT SANDBOXED in the ' +
      'console, JUnit and HTML; verify refuses (exit 3) unless ' +
      '--allow-unsandboxed',
    async () => {
      const pkg = await fixture('echo ok > out/a');
      const run = await runCli([
        'check',
        pkg,
        '--build',
        'sh build.sh',
        '--artifacts',
        'out/**',
        '--isolation',
        'sequential',
        '--vary=-all',
        '--no-bisect',
      ]);
      expect(run.exitCode, run.stderr).to.equal(0);
      expect(run.stdout).to.include('NOT SANDBOXED');
      expect(await readFile(join(run.out, 'junit.xml'), 'utf8')).to.match(
        /name="twinbuild.sandbox" value="NOT SANDBOXED/,
      );
      expect(await readFile(join(run.out, 'index.html'), 'utf8')).to.include('NOT SANDBOXED');
      expect((await run.results()).packages[0]!.isolation).to.equal('sequential');
      const sandboxed = await check(pkg, '--vary=-all', '--no-bisect');
      expect(await readFile(join(sandboxed.out, 'junit.xml'), 'utf8')).to.match(
        /name="twinbuild.sandbox" value="sandboxed/,
      );

      const published = join(await tempDir(), 'a');
      await writeFile(published, 'ok\n');
      const verify = (...extra: string[]) =>
        runCli(['verify', pkg, '--build', 'sh build.sh', '--artifacts', 'out/a', '--published', published, ...extra]);
      const refused = await verify('--isolation', 'sequential');
      expect(refused.exitCode, refused.stderr).to.equal(3);
      expect(refused.stderr).to.match(/only in the sandbox: --isolation sequential .*--allow-unsandboxed/);
      expect(refused.stderr.trim().split('\n')).to.have.length(1);
      const accepted = await verify('--isolation', 'sequential', '--allow-unsandboxed');
      expect(accepted.exitCode, accepted.stderr).to.equal(0);
      const networked = await verify('--network');
      expect(networked.exitCode).to.equal(2);
      expect(networked.stderr).to.match(/never gives a rebuild the network/);
    },
  );

  it('a normal package in the same sandbox still gets its right verdict', async () => {
    const dir = join(await tempDir(), 'reproducible');
    await mkdir(dir);
    await realProcesses.capture(['cp', '-a', `${join(EXAMPLES, 'reproducible')}/.`, dir]);
    const run = await check(dir, '--no-bisect');
    expect(run.exitCode, run.stderr).to.equal(0);
  });
});
