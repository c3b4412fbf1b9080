// `report history` counts packages per known issue type across the runs it covers,
// as Debian's issue pages do: real sweeps whose packages leak the build date into a
// text file or a gzip header (diagnosed from diffoscope's output), an older night
// whose results.json (@2) has no diagnoses, the store (history.json) carrying the
// types to the next night, and an @1 history.json still read.
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { History } from '../../reports/history/model.js';
import type { RunResult } from '../../reports/model.js';
import { anchorId } from '../../reports/escape.js';
import { cleanupTemp, onPath, requireOrSkip, runCli, tempDir } from '../helpers.js';
import { REPRODUCIBLE as R, genericPackage, writeFiles } from '../suites/fixtures.js';

const GZIP = 'echo hello > g.txt; touch -d "@$(date +%s)" g.txt; gzip -c g.txt > out/f.gz';
const DATE = 'echo "built $(date -u +%Y-%m-%d)" > out/built.txt';
const HOST = 'hostname > out/host.txt';
// What each package builds on nights 1..4; night 1 is kept as an older twinbuild wrote it (@2, no diagnoses).
const NIGHTS: Record<string, readonly string[]> = {
  gz: [R, GZIP, R, R],
  'date-a': [R, DATE, DATE, R],
  'date-b': [R, DATE, R, R],
  host: [HOST, R, R, R],
  steady: [R, R, R, R],
};

const sweep = (root: string, out: string) =>
  runCli(['sweep', root, '--quiet', '--no-bisect', '--vary=-all,+time,+domain_host', '--jobs', '2', '--out', out], {
    withOut: false,
    timeoutMs: 300_000,
  });
const history = (args: string[]) => runCli(['report', 'history', ...args], { withOut: false });
const readJson = async <T>(path: string) => JSON.parse(await readFile(path, 'utf8')) as T;

/** The issue-type table's rows as text: title id, packages, in the latest result, which (struck names marked ~). */
function issueRows(html: string): string[][] {
  const table = /<table class="issue-types">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  return [...table.matchAll(/<tr id="issue-[^"]*">([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) =>
      cell[1]!
        .replace(/<div class="fix">[\s\S]*?<\/div>/, '')
        .replace(/<a class="doc"[^>]*>how to fix<\/a>/, '')
        .replace(/<a href="[^"]*" class="gone"[^>]*>/g, '~')
        .replace(/<[^>]+>/g, '')
        .trim(),
    ),
  );
}

describe('report history: packages per issue type', function () {
  this.timeout(900_000);
  let root: string;
  let nights: string;
  let out: string;
  after(cleanupTemp);

  before(async function () {
    requireOrSkip(this, Boolean(await onPath('diffoscope')), 'diffoscope is not installed');
    requireOrSkip(this, Boolean(await onPath('faketime')), 'faketime is not installed');
    const base = await tempDir();
    root = join(base, 'repo');
    nights = join(base, 'nights');
    await writeFiles(root, {
      'twinbuild.config.json': JSON.stringify({
        defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
        packages: Object.keys(NIGHTS).map((name) => ({ name, path: name })),
      }),
    });
    for (let night = 1; night <= 3; night++) {
      for (const [name, scripts] of Object.entries(NIGHTS)) await genericPackage(root, name, scripts[night - 1]!);
      const run = await sweep(root, join(nights, String(night)));
      expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    }
    // Night 1 as an older twinbuild wrote it: schema @2, no diagnosis keys.
    const first = join(nights, '1', 'results.json');
    const result = await readJson<RunResult>(first);
    expect(result.packages.find((p) => p.name === 'host')!.diagnoses.map((d) => d.type)).to.deep.equal([
      'captures_hostname',
    ]);
    await writeFile(
      first,
      JSON.stringify({
        ...result,
        schema: 'twinbuild/results@2',
        packages: result.packages.map(({ diagnoses: _d, unclassified: _u, ruledOut: _r, ...p }) => p),
      }),
    );
    out = join(await tempDir(), 'history');
    const run = await history([nights, '--out', out]);
    expect(run.exitCode, run.stderr).to.equal(0);
  });

  it('counts each type’s packages across the runs, those still showing it now, and links the fix docs', async () => {
    const stored = await readJson<History>(join(out, 'history.json'));
    expect(stored.schema).to.equal('twinbuild/history@2');
    expect(stored.runs.map((r) => r.diagnosed)).to.deep.equal([false, true, true]);
    expect(stored.issueTypes.map((t) => t.id)).to.deep.equal(['build_date_in_text', 'timestamps_in_gzip_headers']);
    const dateA = stored.packages.find((p) => p.name === 'date-a')!;
    expect(dateA.cells.map((c) => c?.issues)).to.deep.equal([[], ['build_date_in_text'], ['build_date_in_text']]);

    const html = await readFile(join(out, 'index.html'), 'utf8');
    expect(issueRows(html)).to.deep.equal([
      ['the build date written into a file build_date_in_text', '2', '1', 'date-a, ~date-b'],
      ['timestamps in gzip headers timestamps_in_gzip_headers', '1', '0', '~gz'],
    ]);
    // The older night's hostname leak is not counted: its results carry no diagnoses, and the page says so.
    expect(html).to.not.include('captures_hostname');
    expect(html).to.include('1 of 3 runs carries no diagnoses');
    const gzip = stored.issueTypes.find((t) => t.id === 'timestamps_in_gzip_headers')!;
    expect(gzip.fix).to.include('gzip -n');
    expect(html).to.include(`<a class="doc" href="${gzip.link!}">how to fix</a>`);
    expect(gzip.link).to.match(/^https:\/\/reproducible-builds\.org\/docs\//);
    // Each package links to its row; a cell names its run's issue types on hover.
    expect(html).to.include(`<a href="#row-${anchorId('date-a')}"><code>date-a</code></a>`);
    expect(html).to.match(/ class="c u[^"]*" title="timestamps in gzip headers"/);
  });

  it('keeps the types in the store for the next night, and still reads an @1 history.json', async () => {
    for (const [name, scripts] of Object.entries(NIGHTS)) await genericPackage(root, name, scripts[3]!);
    const night4 = join(nights, '4');
    expect((await sweep(root, night4)).exitCode).to.equal(0);
    const next = join(await tempDir(), 'next');
    const run = await history([join(out, 'history.json'), join(night4, 'results.json'), '--out', next]);
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(issueRows(await readFile(join(next, 'index.html'), 'utf8'))).to.deep.equal([
      ['the build date written into a file build_date_in_text', '2', '0', '~date-a, ~date-b'],
      ['timestamps in gzip headers timestamps_in_gzip_headers', '1', '0', '~gz'],
    ]);

    // As an older twinbuild wrote it: history@1, no issue types, no `diagnosed`.
    const stored = await readJson<History>(join(out, 'history.json'));
    const v1 = join(await tempDir(), 'history.json');
    await writeFile(
      v1,
      JSON.stringify({
        ...stored,
        schema: 'twinbuild/history@1',
        issueTypes: undefined,
        runs: stored.runs.map(({ diagnosed: _d, ...r }) => r),
        packages: stored.packages.map((p) => ({ ...p, cells: p.cells.map((c) => c && { ...c, issues: undefined }) })),
      }),
    );
    const old = join(await tempDir(), 'old');
    const fromV1 = await history([v1, '--out', old]);
    expect(fromV1.exitCode, fromV1.stderr).to.equal(0);
    const upgraded = await readJson<History>(join(old, 'history.json'));
    expect([upgraded.schema, upgraded.issueTypes, upgraded.runs.map((r) => r.diagnosed)]).to.deep.equal([
      'twinbuild/history@2',
      [],
      [false, false, false],
    ]);
    const page = await readFile(join(old, 'index.html'), 'utf8');
    expect(page).to.include('No known issue type was diagnosed in these runs.');
    expect(page).to.include('3 of 3 runs carry no diagnoses');
  });

  it('refuses an @2 history.json whose issue type links elsewhere than http(s), in one line', async () => {
    const stored = await readJson<History>(join(out, 'history.json'));
    const evil = join(await tempDir(), 'evil.json');
    await writeFile(
      evil,
      JSON.stringify({ ...stored, issueTypes: [{ id: 'x', title: 'x', fix: 'x', link: 'javascript:alert(1)' }] }),
    );
    const run = await runCli(['report', 'history', evil]);
    expect(run.exitCode).to.equal(2);
    expect(run.stderr.trim().split('\n')).to.have.length(1);
    expect(run.stderr).to.match(/is not a usable twinbuild history: "issueTypes"/);
  });
});
