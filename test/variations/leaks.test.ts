// Each variation is caught by a build that leaks exactly that factor, and only
// that one: varying it alone differs, varying everything else does not.
import { expect } from 'chai';
import { check, cleanupTemp, fixture } from '../helpers.js';

const LEAKS: readonly { variation: string; artifact: string; script: string }[] = [
  {
    variation: 'environment',
    artifact: 'out/env.txt',
    // Variables owned by other variations are filtered out, so only the environment itself leaks.
    script: "env | grep -v -E '^(HOME|PATH|TZ|LANG|LC_ALL|LANGUAGE|LOCPATH|PWD|OLDPWD|SHLVL|_)=' | sort > out/env.txt",
  },
  { variation: 'home', artifact: 'out/home.txt', script: 'echo "$HOME" > out/home.txt' },
  { variation: 'exec_path', artifact: 'out/path.txt', script: 'echo "$PATH" > out/path.txt' },
  { variation: 'timezone', artifact: 'out/day.txt', script: 'date -d @86400 +%Y-%m-%dT%H:%M > out/day.txt' },
  { variation: 'locales', artifact: 'out/sorted.txt', script: "printf '%s\\n' b A a B | sort > out/sorted.txt" },
  {
    variation: 'umask',
    artifact: 'out/tree.tar',
    script: 'mkdir -p out/tree && echo x > out/tree/f && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf out/tree.tar -C out tree && rm -r out/tree',
  },
];

describe('variations: each leak is caught by its own variation only', function () {
  after(cleanupTemp);

  for (const leak of LEAKS) {
    describe(leak.variation, function () {
      let source: string;
      before(async () => {
        source = await fixture(leak.script);
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
        const run = await check(source, `--vary=-${leak.variation}`);
        expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
        const pkg = (await run.results()).packages[0]!;
        expect(pkg.variations.find((v) => v.name === leak.variation)?.status).to.equal('pinned');
      });
    });
  }
});
