// The history model on its own: what counts as a regression, a fix and a flap,
// the order of runs, a run given twice, the window, and the page's escaping.
import { expect } from 'chai';
import { buildHistory, columnFromResults, FLAP_CHANGES, type RunColumn } from '../../reports/history/model.js';
import { renderHistoryPage } from '../../reports/history/page.js';
import { BISECT_NOT_RUN, runResult, type PackageResult, type Verdict } from '../../reports/model.js';

const HOST = { hostname: 'h', platform: 'linux', arch: 'x64', kernel: '6', cpus: 2, node: 'v20', uid: 0 };
const LINKS = { report: 'index.html', page: (p: string) => p };

/** A package result as results.json holds it, with only the verdict that matters here. */
const pkg = (name: string, verdict: Verdict): PackageResult => ({
  name,
  source: name,
  verdict,
  error: null,
  variations: [],
  isolation: 'namespaces',
  buildPath: 'shared',
  builds: { control: null, experiment: null },
  artifacts: [],
  culprits: [],
  nondeterministic: false,
  bisect: BISECT_NOT_RUN('test'),
  diffoscope: [],
  timings: {},
  verify: null,
  recipe: null,
  knownDifferences: 0,
  diagnoses: [],
  unclassified: [],
  ruledOut: [],
});

const night = (day: number, verdicts: Record<string, Verdict>, seed = day): RunColumn =>
  columnFromResults(
    {
      ...runResult({
        command: 'sweep',
        version: '0',
        startedAt: `2026-01-${String(day).padStart(2, '0')}T03:00:00.000Z`,
        seed,
        host: HOST,
        packages: Object.entries(verdicts).map(([n, v]) => pkg(n, v)),
      }),
      finishedAt: 'x',
    },
    LINKS,
  );

describe('reports/history/model', () => {
  it('marks a regression where a passing package stops passing and a fix where it passes again; errors count as not passing', () => {
    const history = buildHistory([
      night(1, { a: 'reproducible' }),
      night(2, { a: 'error' }),
      night(3, { a: 'unreproducible' }),
      night(4, { a: 'reproducible' }),
    ]);
    const a = history.packages[0]!;
    expect(a.cells.map((c) => c?.change ?? null)).to.deep.equal([null, 'regression', null, 'fix']);
    expect(a).to.include({ changes: 3, regressions: 1, fixes: 1, latest: 'reproducible' });
  });

  it(
    `flags a package flapping at ${FLAP_CHANGES} verdict changes, not at fewer; a ` +
      `run without the package is skipped, not a change`,
    () => {
      const runs = [
        night(1, { a: 'reproducible', b: 'reproducible' }),
        night(2, { a: 'unreproducible', b: 'unreproducible' }),
        night(3, { a: 'reproducible' }),
        night(4, { a: 'unreproducible', b: 'unreproducible' }),
      ];
      const [a, b] = buildHistory(runs).packages;
      expect(a).to.include({ name: 'a', changes: 3, flapping: true });
      expect(b).to.include({ name: 'b', changes: 1, flapping: false });
      expect(b!.cells[2]).to.equal(null);
    },
  );

  it('orders runs by their recorded start, counts a run given twice once, and keeps the latest `window` runs', () => {
    const history = buildHistory(
      [
        night(3, { a: 'reproducible' }),
        night(1, { a: 'unreproducible' }),
        night(2, { a: 'error' }),
        night(3, { a: 'reproducible' }),
      ],
      2,
    );
    expect(history.runs.map((r) => r.startedAt.slice(8, 10))).to.deep.equal(['02', '03']);
    expect(history.packages[0]!.cells.map((c) => c?.verdict)).to.deep.equal(['error', 'reproducible']);
  });

  it('escapes names, commands and links on the page', () => {
    const hostile = `<img src=x onerror=alert(1)>"'&`;
    const column = night(1, { [hostile]: 'unreproducible' });
    const page = renderHistoryPage(
      buildHistory([{ ...column, run: { ...column.run, command: '<b>sweep</b>', report: 'a"b.html' } }]),
    );
    expect(page).to.not.include('<img').and.not.include('<b>sweep').and.not.include('a"b.html');
    expect(page).to.include('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;');
  });
});
