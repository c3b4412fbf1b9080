// The probe's channels read most of what they observe with shell built-ins
// (variations/observe.ts). Each built-in must print what the program it stands for
// prints, under dash and bash (shell varies /bin/sh), in settings away from the
// defaults; and a variation whose setting did not reach the probe's process must
// still be judged not effective (never a false "reproducible").
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { judge, parseProbeOutput, placeProbeTree, probeScript, withProbe } from '../../engine/prepare/effectiveness.js';
import { REGISTRY } from '../../variations/index.js';
import { PROBE_FUNCTIONS } from '../../variations/observe.js';
import { newPlan } from '../../variations/plan.js';
import { cleanupTemp, onPath, requireOrSkip, tempDir } from '../helpers.js';

const PATH = process.env['PATH'] ?? '/usr/bin:/bin';
/** Every one of these tools is on the PATH. */
const have = async (...tools: string[]) => (await Promise.all(tools.map(onPath))).every((found) => found !== undefined);
const ROOT = process.getuid?.() === 0;

// Each built-in (or shared program) call, and the command it replaces.
const PAIRS: readonly (readonly [string, string])[] = [
  ['tb_ids; echo "$tb_uid:$tb_gid"', 'echo "$(id -u):$(id -g)"'],
  ['tb_nproc', 'nproc'],
  ['tb_nice', 'nice'],
  [
    'read -r tb_p < /proc/self/personality; echo $(( 0x$tb_p & 0x0040000 ))',
    'echo $(( 0x$(cat /proc/self/personality) & 0x0040000 ))',
  ],
  ['tb_uname n', 'uname -n'],
  ['tb_uname r', 'uname -r'],
  ['tb_uname m', 'uname -m'],
  ['tb_cat /proc/sys/kernel/domainname', 'domainname'],
  ['tb_cat /etc/hostname || echo "(none)"', 'cat /etc/hostname 2>/dev/null || echo "(none)"'],
  ['tb_cat /nonexistent/tb-none || echo "(none)"', 'cat /nonexistent/tb-none 2>/dev/null || echo "(none)"'],
  ['read -r tb_a tb_b tb_c tb_x < /proc/version; echo "$tb_a $tb_b $tb_c"', 'cut -d" " -f1-3 /proc/version'],
  ['tb_date day', 'date -u +%Y-%m-%d'],
  ['tb_date offset', 'date +%z'],
  ['tb_list two', 'ls -U .twinbuild-probe/two'],
  ['tb_list many', 'ls -U .twinbuild-probe/many'],
  ['tb_gecos', 'getent passwd "$(id -u)" | cut -d: -f5'],
  ['printf "%s\\n" "${MAKEFLAGS-(unset)}"', 'printenv MAKEFLAGS || echo "(unset)"'],
  ['printf "%s\\n" "${TB_UNSET_HERE-(unset)}"', 'printenv TB_UNSET_HERE || echo "(unset)"'],
  [
    'tb_holds .twinbuild-probe && echo yes || echo no',
    '[ -n "$(ls -A .twinbuild-probe 2>/dev/null)" ] && echo yes || echo no',
  ],
  [
    'tb_holds .twinbuild-probe/none && echo yes || echo no',
    '[ -n "$(ls -A .twinbuild-probe/none 2>/dev/null)" ] && echo yes || echo no',
  ],
  ['tb_holds build.sh && echo yes || echo no', '[ -n "$(ls -A build.sh 2>/dev/null)" ] && echo yes || echo no'],
];

// Prints, per pair, the built-in's output and the program's, separated so a test can compare
// them; a separator last, as the runner drops the output's final newline.
const comparison = () =>
  PROBE_FUNCTIONS +
  PAIRS.map(
    ([builtin, program]) => `printf '\\036'; { ${builtin} ; } 2>&1; printf '\\037'; { ${program} ; } 2>&1`,
  ).join('\n') +
  `\nprintf '\\036'`;

const libfaketime = async () =>
  (
    await realProcesses.capture(['sh', '-c', 'ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1'])
  ).stdout.trim();

async function probeTreeDir(): Promise<string> {
  const dir = await tempDir('tb-observe-');
  await placeProbeTree(dir);
  await writeFile(join(dir, 'build.sh'), 'true\n');
  return dir;
}

// Runs `script` in `dir` under `shell`, the wrappers in front, with exactly `env`.
const runIn = (dir: string, shell: string, wrappers: readonly string[], script: string, env: Record<string, string>) =>
  realProcesses.capture([...wrappers, shell, '-c', script], { cwd: dir, env: { PATH, ...env }, timeoutMs: 60_000 });

describe('probe channels: shell built-ins that stand for programs', function () {
  this.timeout(120_000);
  after(cleanupTemp);

  for (const shell of ['dash', 'bash']) {
    it(`print what the programs they stand for print (${shell}, away from every default)`, async function () {
      requireOrSkip(this, await have(shell), `${shell} not installed`);
      requireOrSkip(this, await have('setarch', 'taskset'), 'setarch and taskset (util-linux)');
      const dir = await probeTreeDir();
      const lib = await libfaketime();
      const settings: readonly { wrappers: string[]; env: Record<string, string> }[] = [
        { wrappers: [], env: { TZ: 'GMT+12', HOME: dir } },
        {
          wrappers: ['nice', '-n', '7', 'taskset', '--cpu-list', '0', 'setarch', 'i686', '-R', '--uname-2.6'],
          env: { TZ: 'GMT-14', MAKEFLAGS: '-j3', ...(lib ? { LD_PRELOAD: lib, FAKETIME: '+400d' } : {}) },
        },
        // Under OMP_NUM_THREADS nproc answers it: so must the channel.
        { wrappers: ['nice', '-n', '3'], env: { OMP_NUM_THREADS: '1', MAKEFLAGS: '' } },
      ];
      for (const { wrappers, env } of settings) {
        const run = await runIn(dir, shell, wrappers, comparison(), env);
        expect(run.exitCode, run.stderr).to.equal(0);
        const records = run.stdout.split('\u001e').slice(1, -1);
        expect(records).to.have.length(PAIRS.length);
        records.forEach((record, i) => {
          const [builtin, program] = record.split('\u001f');
          expect(builtin, `${PAIRS[i]![0]} against ${PAIRS[i]![1]} (${wrappers.join(' ')})`).to.equal(program);
        });
      }
    });
  }

  it('a variation whose setting did not reach the probe is judged not effective; one whose setting did, effective', async function () {
    requireOrSkip(this, await have('dash', 'bash'), 'dash and bash');
    requireOrSkip(this, await have('setarch', 'taskset'), 'setarch and taskset (util-linux)');
    requireOrSkip(this, !existsSync('/i_capture_the_path'), '/i_capture_the_path exists on this host');
    const lib = await libfaketime();
    requireOrSkip(this, lib !== '', 'libfaketime.so.1 not installed (Debian package faketime)');
    const cpus = (await realProcesses.capture(['nproc'])).stdout.trim();
    requireOrSkip(this, Number(cpus) >= 2, 'needs 2 CPUs');
    const machine = (await realProcesses.capture(['uname', '-m'])).stdout.trim();
    requireOrSkip(this, machine === 'x86_64', 'the personalities used (x86_64, i686) are x86_64 ones');
    const dir = await probeTreeDir();
    await chmod(dir, 0o755); // the experiment's user reads the probe's tree
    // Without namespaces: the channels behind binds over /proc and /sys are not asked.
    const script = `(\n${probeScript(REGISTRY, false)}) 3>&1 2>/dev/null`;
    const control = {
      shell: 'dash',
      wrappers: [
        'nice',
        '-n',
        '11',
        'taskset',
        '--cpu-list',
        '0',
        'setarch',
        'x86_64',
        '-R',
        'env',
        `LD_PRELOAD=${lib}`,
        'FAKETIME=+0',
        'sh',
        '-c',
        'umask 0022 && exec "$@"',
        'umask',
      ],
      env: { HOME: dir, TZ: 'GMT+12', MAKEFLAGS: '-j1', LANG: 'C.UTF-8' } as Record<string, string>,
    };
    const observe = async (side: typeof control) => {
      const run = await runIn(dir, side.shell, side.wrappers, script, side.env);
      expect(run.exitCode, run.stderr).to.equal(0);
      return parseProbeOutput(run.stdout);
    };
    const seen = await observe(control);

    // Nothing reached the second run: every variation is caught as not effective.
    const same = judge(REGISTRY, seen, await observe(control), false);
    expect(same.ineffective.map((i) => i.name)).to.deep.equal(REGISTRY.map((v) => v.name));
    expect(same.ineffective.find((i) => i.name === 'niceness')?.reason).to.equal(
      'not effective here: nice was "11" on both sides',
    );

    // Some settings reached it: exactly those variations are effective.
    const experiment = {
      shell: 'bash',
      wrappers: [
        'nice',
        '-n',
        '10',
        'taskset',
        '--cpu-list',
        `0-${Number(cpus) - 1}`,
        'setarch',
        'i686',
        '--uname-2.6',
        // Another user, whose full name (none: no passwd entry) differs too.
        ...(ROOT ? ['setpriv', '--reuid', '20001', '--regid', '20001', '--clear-groups'] : []),
        // As a build has it: libfaketime's first process makes a semaphore its user must own.
        'env',
        `LD_PRELOAD=${lib}`,
        'FAKETIME=+400d',
        'sh',
        '-c',
        'umask 0002 && exec "$@"',
        'umask',
      ],
      env: {
        HOME: '/nonexistent/second-build',
        TZ: 'GMT-14',
        MAKEFLAGS: '-j2',
        LANG: 'C.UTF-8',
        TWINBUILD_CAPTURE_ENVIRONMENT: 'i_capture_the_environment',
        PATH: `${PATH}:/i_capture_the_path`,
      },
    };
    const verdicts = judge(REGISTRY, seen, await observe(experiment), false);
    const effective = REGISTRY.map((v) => v.name).filter((n) => !verdicts.ineffective.some((i) => i.name === n));
    expect(effective).to.deep.equal([
      'environment',
      'kernel',
      'aslr',
      'num_cpus',
      ...(ROOT ? ['user_group'] : []),
      'time',
      'home',
      'exec_path',
      'timezone',
      'umask',
      'shell',
      'build_jobs',
      'niceness',
      ...(ROOT ? ['gecos'] : []),
    ]);
    if (ROOT) expect(verdicts.observed.get('user_group')?.experiment['uid:gid']).to.equal('20001:20001');
    expect(verdicts.observed.get('shell')?.control['/bin/sh']).to.equal('not bash');
    expect(verdicts.observed.get('num_cpus')?.experiment['nproc (affinity)']).to.equal(cpus);
  });

  it("the probe's functions and variables never reach the build, and the build's variables never fool the probe", async () => {
    const dir = await probeTreeDir();
    const observations = join(dir, 'observed');
    const plan = newPlan('control', ['/bin/sh', '-c', 'set > build-saw; type tb_cat >> build-saw 2>&1 || true'], {});
    const probed = withProbe(plan, ['kernel', 'fileordering', 'gecos'], true);
    // A value in the environment under the name the probe keeps uname's answer in.
    const run = await realProcesses.capture(
      ['sh', '-c', 'f=$1; shift; exec "$@" 3>"$f"', 'fd3', observations, ...probed.argv],
      {
        cwd: dir,
        env: { PATH, tb_u: 'bogus bogus bogus' },
      },
    );
    expect(run.exitCode, run.stderr).to.equal(0);
    const seen = parseProbeOutput(await readFile(observations, 'utf8'));
    const machine = (await realProcesses.capture(['uname', '-m'])).stdout.trim();
    expect(seen.get('kernel\u001funame -m')).to.equal(machine);
    const buildSaw = await readFile(join(dir, 'build-saw'), 'utf8');
    expect(buildSaw).to.match(/^tb_u='?bogus bogus bogus'?$/m);
    expect(buildSaw).to.not.match(/^tb_(?!u=)\w*=/m);
    expect(buildSaw).to.match(/tb_cat: not found/);
    // The probe's directories were removed before the build.
    expect(existsSync(join(dir, '.twinbuild-probe'))).to.equal(false);
  });
});
