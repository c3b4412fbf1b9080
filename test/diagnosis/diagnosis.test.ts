// The diagnosis end to end: real builds that each leak one known issue type, a
// real check with diffoscope, and the types, fixes and evidence results.json and
// the views then hold; a reproducible build gets none; the leaks-date example is
// the build time on every run, even though its no-variation rebuild moves too.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { PackageResult } from '../../reports/model.js';
import { renderHtml } from '../../reports/html.js';
import { readResults } from '../../reports/read.js';
import { EXAMPLES, REPO_ROOT, check, cleanupTemp, fixture, requireOrSkip } from '../helpers.js';
import { loadCatalogue } from '../../engine/explain/catalogue.js';
import { findOnPath } from '../../engine/prepare/availability.js';
import { DEFAULT_ARGS, ISSUE_FIXTURES, type IssueFixture } from './fixtures.js';

const PATH = process.env['PATH'] ?? '';
const have = async (tool: string) => (await findOnPath(tool, PATH)) !== undefined;

const typesOf = (pkg: PackageResult, artifact: string) =>
  pkg.diagnoses
    .filter((d) => d.artifacts.includes(artifact))
    .map((d) => d.type)
    .sort();

describe('diagnosis: what to change (engine/explain/diagnose.ts)', function () {
  this.timeout(600_000);
  after(cleanupTemp);

  it('names the known type and its fix for each real leak, and no wrong one', async function () {
    requireOrSkip(this, await have('diffoscope'), 'diffoscope is not installed');
    const usable: IssueFixture[] = [];
    for (const f of ISSUE_FIXTURES) {
      const missing: string[] = [];
      for (const tool of f.needs ?? []) if (!(await have(tool))) missing.push(tool);
      // Under CI=true every tool a fixture needs is installed (scripts/debian-packages.txt): a missing one fails.
      if (missing.length > 0 && process.env['CI'] === 'true')
        throw new Error(`required in CI: ${missing.join(', ')} (for ${f.artifact})`);
      if (missing.length > 0) console.warn(`      skipped ${f.artifact}: ${missing.join(', ')} not installed`);
      else usable.push(f);
    }
    const clockTypes = new Set((await loadCatalogue()).filter((t) => t.clock).map((t) => t.id));
    // One package per set of check arguments: the fixtures that need no other share one check.
    const sets = new Map<string, IssueFixture[]>();
    for (const f of usable) {
      const key = JSON.stringify(f.args ?? DEFAULT_ARGS);
      sets.set(key, [...(sets.get(key) ?? []), f]);
    }
    const runs = await Promise.all(
      [...sets].map(async ([args, fixtures]) => {
        const source = await fixture(fixtures.map((f) => f.script).join('\n'));
        const run = await check(source, ...(JSON.parse(args) as string[]));
        expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
        const pkg = (await run.results()).packages[0]!;
        for (const f of fixtures) {
          expect(typesOf(pkg, f.artifact), `${f.artifact}: ${JSON.stringify(pkg.diagnoses)}`).to.deep.equal(
            [...f.types].sort(),
          );
          // A type whose values are timestamps is seen following each side's clock: the build time.
          for (const type of f.types.filter((t) => clockTypes.has(t)))
            expect(pkg.diagnoses.find((d) => d.type === type)!.basis, `${f.artifact}: ${type}`).to.equal('clock');
          const diagnosis = pkg.diagnoses.find((d) => d.type === f.types[0])!;
          expect(diagnosis.fix, f.artifact).to.match(f.fix);
          expect(diagnosis.link, f.artifact).to.match(/^https:\/\/reproducible-builds\.org\/docs\//);
          const evidence = diagnosis.evidence.find((e) => e.artifact === f.artifact);
          if (evidence) expect(evidence.removed.length + evidence.added.length, f.artifact).to.be.above(0);
        }
        expect(pkg.unclassified.filter((u) => fixtures.some((f) => f.artifact === u.artifact))).to.deep.equal([]);
        return { args, run, pkg };
      }),
    );
    const { run, pkg } = runs.find((r) => r.args === JSON.stringify(DEFAULT_ARGS))!;
    // One line per diagnosis on the console, with its fix and link.
    const gzip = pkg.diagnoses.find((d) => d.type === 'timestamps_in_gzip_headers')!;
    expect(run.stdout).to.include(`→ ${gzip.title}: ${gzip.fix}`);
    const junit = await readFile(join(run.out, 'junit.xml'), 'utf8');
    expect(junit).to.include('→ timestamps in gzip headers: ');
    // The page: "How to fix" first in the package; the count per type is for sweeps (several packages).
    const html = await readFile(join(run.out, 'index.html'), 'utf8');
    const section = html.slice(html.indexOf('<section class="pkg'));
    expect(section.indexOf('<h3>How to fix</h3>')).to.be.above(0);
    expect(section.indexOf('<h3>How to fix</h3>')).to.be.below(section.indexOf('<h3>', section.indexOf('<h2>')) + 1);
    expect(section).to.include('<strong>timestamps in gzip headers</strong>: gzip stores');
    expect(html).to.not.include('<table class="issue-types">');
    const result = await readResults(join(run.out, 'results.json'));
    const sweep = renderHtml({ ...result, packages: [pkg, { ...pkg, name: `${pkg.name}-again` }] });
    expect(sweep).to.match(/<td>timestamps in gzip headers <code>timestamps_in_gzip_headers<\/code><\/td><td>2<\/td>/);
  });

  it('builds each fixture reproducibly once its fix is applied, and then names nothing', async function () {
    const usable: IssueFixture[] = [];
    for (const f of ISSUE_FIXTURES.filter((f) => f.fixed !== undefined)) {
      const missing: string[] = [];
      for (const tool of f.needs ?? []) if (!(await have(tool))) missing.push(tool);
      if (missing.length > 0 && process.env['CI'] === 'true')
        throw new Error(`required in CI: ${missing.join(', ')} (for ${f.artifact})`);
      if (missing.length === 0) usable.push(f);
    }
    requireOrSkip(this, usable.length > 0, 'no fixture has its tools here');
    const run = await check(await fixture(usable.map((f) => f.fixed!).join('\n')), ...DEFAULT_ARGS);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    const pkg = (await run.results()).packages[0]!;
    expect(pkg.artifacts.map((a) => a.path).sort()).to.deep.equal(usable.map((f) => f.artifact).sort());
    expect([pkg.diagnoses, pkg.unclassified]).to.deep.equal([[], []]);
  });

  it('has a fixture for every catalogue type, or says in docs/diagnosis.md why it cannot', async () => {
    const catalogue = (await loadCatalogue()).map((t) => t.id);
    const built = new Set(ISSUE_FIXTURES.flatMap((f) => f.types));
    const docs = await readFile(join(REPO_ROOT, 'docs', 'diagnosis.md'), 'utf8');
    const unbuilt = [...docs.matchAll(/^- `(\w+)`: \S.*$/gm)].map((m) => m[1]!);
    expect(unbuilt, 'types without a fixture').to.not.deep.equal([]);
    for (const id of unbuilt) expect(built.has(id), `${id} has a fixture and is listed as without one`).to.equal(false);
    expect(catalogue.filter((id) => !built.has(id)).sort()).to.deep.equal([...unbuilt].sort());
    expect(
      [...built].filter((id) => !catalogue.includes(id)),
      'fixture types not in the catalogue',
    ).to.deep.equal([]);
  });

  it('gives a reproducible build no diagnosis', async () => {
    const run = await check(join(EXAMPLES, 'reproducible'));
    expect(run.exitCode, run.stderr).to.equal(0);
    const pkg = (await run.results()).packages[0]!;
    expect([pkg.diagnoses, pkg.unclassified, pkg.ruledOut]).to.deep.equal([[], [], []]);
    expect(run.stdout).not.to.include('→');
  });

  it('diagnoses the leaks-date example as the build time on every run, the moving clock said so', async function () {
    requireOrSkip(this, await have('diffoscope'), 'diffoscope is not installed');
    for (let i = 0; i < 2; i++) {
      const run = await check(join(EXAMPLES, 'leaks-date'), '--vary=+all');
      expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
      const pkg = (await run.results()).packages[0]!;
      expect(pkg.nondeterministic, 'the nanoseconds move with nothing varied').to.equal(true);
      expect(pkg.diagnoses.map((d) => [d.type, d.basis, d.artifacts])).to.deep.equal([
        ['build_date_in_text', 'clock', ['out/VERSION']],
      ]);
      expect(pkg.diagnoses[0]!.note).to.match(/records the build time; also differs with nothing varied/);
      expect(run.stdout).to.match(/records the build time/);
      expect(run.stdout).not.to.match(/no variation is blamed/);
    }
  });
});
