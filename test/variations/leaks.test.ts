// Each variation is caught by a build that leaks exactly that factor, and only
// that one: varying it alone differs, varying everything else does not.
import { expect } from 'chai';
import { VARIATION_NAMES } from '../../variations/index.js';
import { check, cleanupTemp, fixture } from '../helpers.js';

const MANY_FILES = Object.fromEntries(
  Array.from({ length: 24 }, (_, i) => [`src/file-${String(i).padStart(2, '0')}.txt`, `${i}\n`]),
);

// Variables set by other variations; the environment leak must not see them.
const OWNED_ELSEWHERE =
  'HOME|PATH|TZ|LANG|LC_ALL|LANGUAGE|LOCPATH|PWD|SHLVL|_|MAKEFLAGS|DEB_BUILD_OPTIONS|NO_FAKE_STAT|LD_PRELOAD|FAKETIME[A-Z_]*';

export const LEAKS: readonly { variation: string; artifact: string; script: string; files?: Record<string, string> }[] =
  [
    {
      variation: 'environment',
      artifact: 'out/env.txt',
      script: `env | grep -v -E '^(${OWNED_ELSEWHERE})=' | sort > out/env.txt`,
    },
    { variation: 'build_path', artifact: 'out/pwd.txt', script: 'pwd > out/pwd.txt' },
    { variation: 'kernel', artifact: 'out/uname.txt', script: 'uname -m -r > out/uname.txt' },
    // The load address of a PIE binary (head): fixed with ASLR off, random with it on.
    { variation: 'aslr', artifact: 'out/maps.txt', script: "head -1 /proc/self/maps | cut -d' ' -f1 > out/maps.txt" },
    { variation: 'num_cpus', artifact: 'out/nproc.txt', script: 'nproc > out/nproc.txt' },
    { variation: 'time', artifact: 'out/date.txt', script: 'date -u +%Y-%m-%d > out/date.txt' },
    {
      variation: 'user_group',
      artifact: 'out/owner.txt',
      script: 'echo "$(id -u):$(id -g) $(id -un)" > out/owner.txt',
    },
    // find lists in readdir order, which disorderfs shuffles.
    {
      variation: 'fileordering',
      artifact: 'out/list.txt',
      script: 'find src -type f > out/list.txt',
      files: MANY_FILES,
    },
    { variation: 'domain_host', artifact: 'out/host.txt', script: 'echo "$(hostname) $(domainname)" > out/host.txt' },
    { variation: 'home', artifact: 'out/home.txt', script: 'echo "$HOME" > out/home.txt' },
    { variation: 'locales', artifact: 'out/sorted.txt', script: "printf '%s\\n' b A a B | sort > out/sorted.txt" },
    { variation: 'exec_path', artifact: 'out/path.txt', script: 'echo "$PATH" > out/path.txt' },
    { variation: 'timezone', artifact: 'out/day.txt', script: 'date -d @86400 +%Y-%m-%dT%H:%M > out/day.txt' },
    {
      variation: 'umask',
      artifact: 'out/tree.tar',
      script:
        'mkdir -p out/tree && echo x > out/tree/f && tar --sort=name --mtime=@0 ' +
        '--owner=0 --group=0 --numeric-owner -cf out/tree.tar -C out tree && rm -r out/tree',
    },
    // dash's echo expands \t, bash's (as sh) does not.
    { variation: 'shell', artifact: 'out/echo.txt', script: "echo 'a\\tb' > out/echo.txt" },
    { variation: 'build_jobs', artifact: 'out/jobs.txt', script: 'echo "$MAKEFLAGS" > out/jobs.txt' },
    { variation: 'niceness', artifact: 'out/nice.txt', script: 'nice > out/nice.txt' },
    { variation: 'gecos', artifact: 'out/gecos.txt', script: 'getent passwd "$(id -u)" | cut -d: -f5 > out/gecos.txt' },
  ];

describe('variations: each leak is caught by its own variation only', function () {
  after(cleanupTemp);

  it('has a leak fixture for every variation in the registry', () => {
    expect(LEAKS.map((l) => l.variation)).to.have.members([...VARIATION_NAMES]);
  });

  for (const leak of LEAKS) {
    describe(leak.variation, function () {
      let source: string;
      before(async () => {
        source = await fixture(leak.script, leak.files);
      });

      it(`differs when only ${leak.variation} is varied`, async () => {
        const run = await check(source, `--vary=-all,+${leak.variation}`);
        expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
        const pkg = (await run.results()).packages[0]!;
        expect(pkg.verdict).to.equal('unreproducible');
        expect(pkg.artifacts.filter((a) => a.status !== 'identical').map((a) => a.path)).to.deep.equal([leak.artifact]);
        expect(pkg.variations.filter((v) => v.status === 'varied').map((v) => v.name)).to.deep.equal([leak.variation]);
      });

      it(`is reproducible when everything but ${leak.variation} is varied`, async () => {
        const run = await check(source, `--vary=+all,-${leak.variation}`);
        expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
        const pkg = (await run.results()).packages[0]!;
        expect(pkg.variations.find((v) => v.name === leak.variation)?.status).to.equal('pinned');
        expect(
          pkg.variations.filter((v) => v.status === 'skipped'),
          'nothing may be skipped on this machine',
        ).to.deep.equal([]);
      });
    });
  }

  it('passes a reproducible multi-file build (with a normalised tar) with every variation on', async () => {
    const source = await fixture(
      'mkdir -p out/doc\ncp src/*.txt out/doc/\n' +
        'tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=u=rwX,go=rX -cf out/src.tar src\n' +
        '(cd src && ls | LC_ALL=C sort) > out/MANIFEST',
      MANY_FILES,
    );
    const run = await check(source, '--vary=+all');
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    expect((await run.results()).packages[0]!.artifacts).to.have.length(26); // 24 copies, the tar, the manifest
  });
});
