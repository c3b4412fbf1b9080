// index.html in real headless Chromium, on real runs of tiny fixtures: both build
// logs linked, the commands that reproduce the check and each culprit (one is run
// again and must give the same values), the diff excerpt inline, a timeline whose
// legend tells every kind of bar apart without colour, full hashes on a click,
// the failure bisect's words, and a sweep page with one variations table.
import { expect } from 'chai';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { realProcesses } from '../../adapters/process.js';
import { renderHtml } from '../../reports/html.js';
import type { RunResult } from '../../reports/model.js';
import { check, CLI, cleanupTemp, fixture, onPath, REPO_ROOT, requireOrSkip, runCli, tempDir } from '../helpers.js';
import { NEEDS_HOME } from '../engine/bisect/failing-builds.js';
import { LEAKS_UMASK, REPRODUCIBLE, genericPackage, writeFiles } from '../suites/fixtures.js';
import { launchChromium } from '../browser.js';

// A deep path with long names: the artifacts table must wrap it at its slashes only.
const DEEP = 'out/usr/share/doc/twinbuild-example-package/examples/configuration/hello-world-example.conf';
const DATED =
  'echo "building with HOME=$HOME"\ndate -u +%Y-%m-%d > out/date.txt\necho same > out/same.txt\n' +
  `mkdir -p ${DEEP.replace(/\/[^/]*$/, '')} && echo same > ${DEEP}`;

// Per element, its text and the text before each of its line breaks, measured in the page
// (sent to the page as source: it uses nothing from outside).
const lineBreaks = (codes: Element[]) =>
  codes.map((code) => {
    const chars: { ch: string; top: number }[] = [];
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
      for (let i = 0; i < node.data.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        chars.push({ ch: node.data[i]!, top: range.getBoundingClientRect().top });
      }
    }
    const text = chars.map((c) => c.ch).join('');
    const breaks = chars.flatMap((c, i) => (i > 0 && c.top > chars[i - 1]!.top + 2 ? [text.slice(0, i)] : []));
    return { text, breaks };
  });
const SHOTS = join(REPO_ROOT, 'test-output');

// A timeline's axis (its "0 s" and end labels) and every bar's geometry, measured in the page.
const measureTimeline = (svg: Element) => {
  const axis = (cls: string) => {
    const text = svg.querySelector(`text.${cls}`)!;
    return { x: (text as SVGTextElement).getBBox().x, label: text.textContent! };
  };
  const bars = [...svg.querySelectorAll('rect.bar')].map((rect) => {
    const box = (rect as SVGRectElement).getBBox();
    return { name: rect.getAttribute('data-name')!, x: box.x, width: box.width, y: box.y };
  });
  // The end label is right-aligned: its right edge is the axis end.
  const end = svg.querySelector('text.axis-end') as SVGTextElement;
  return {
    start: axis('axis-start'),
    end: { x: end.getBBox().x + end.getBBox().width, label: end.textContent! },
    bars,
  };
};
type Measured = ReturnType<typeof measureTimeline>;
type Span = Readonly<{ name: string; start: number; duration: number }>;

// Every phase, build and probe of a package with its real start and duration, from results.json.
const spansOf = (pkg: RunResult['packages'][number]): Span[] => [
  ...Object.entries(pkg.timings).map(([name, duration]) => ({ name, start: pkg.phaseStarts![name]!, duration })),
  ...(['control', 'experiment'] as const).map((side) => ({
    name: side,
    start: pkg.builds[side]!.startMs,
    duration: pkg.builds[side]!.durationMs,
  })),
  ...pkg.bisect.probes.map((p) => ({ name: `probe ${p.id}`, start: p.startMs, duration: p.durationMs })),
];

// Each bar runs from its span's start to its end on the axis' scale (a bar is at least 1 px wide).
// Note: the scale is the spans' own end; the axis label is rounded to 10 ms, which on a
// 700 px axis of about a second is up to 2.5 px.
function expectBarsAt(measured: Measured, spans: readonly Span[]): void {
  const endMs = Math.max(...spans.map((s) => s.start + s.duration));
  expect(Number(measured.end.label.replace(/ s$/, '')) * 1000, 'the axis end label').to.be.closeTo(endMs, 5);
  const at = (ms: number) => measured.start.x + (ms / endMs) * (measured.end.x - measured.start.x);
  expect(measured.bars.map((b) => b.name).sort()).to.deep.equal(spans.map((s) => s.name).sort());
  for (const span of spans) {
    const bar = measured.bars.find((b) => b.name === span.name)!;
    expect(bar.x, `${span.name} starts at ${span.start} ms`).to.be.closeTo(at(span.start), 1.5);
    expect(bar.x + bar.width, `${span.name} ends at ${span.start + span.duration} ms`).to.be.closeTo(
      Math.max(at(span.start + span.duration), bar.x + 1),
      1.5,
    );
  }
}

describe('reports/html in Chromium: what a release engineer looks for', function () {
  let browser: Browser;
  before(async function () {
    requireOrSkip(this, (await onPath('chromium')) !== undefined, 'chromium not installed (Debian package chromium)');
    browser = await launchChromium();
    await mkdir(SHOTS, { recursive: true });
  });
  after(async () => {
    // Unset when before() skipped (no chromium).
    await (browser as Browser | undefined)?.close();
    await cleanupTemp();
  });

  const open = async (out: string): Promise<Page> => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(out, 'index.html')).href);
    return page;
  };

  describe('an unreproducible check', function () {
    let source: string;
    let run: Awaited<ReturnType<typeof check>>;
    before(async () => {
      source = await fixture(DATED);
      run = await check(source, '--env', 'GREETING=hello world');
      expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    });

    it("links both build logs, and each opens its own side's log", async () => {
      const page = await open(run.out);
      const links = page.locator('p.logs a');
      expect(await links.allInnerTexts()).to.deep.equal(['control build log', 'experiment build log']);
      await links.nth(1).click();
      await page.waitForLoadState();
      expect(page.url()).to.match(/logs\/pkg\/experiment\.log$/);
      expect(await page.content()).to.include('building with HOME=/nonexistent/second-build');
      await page.goBack();
      await links.nth(0).click();
      await page.waitForLoadState();
      expect(page.url()).to.match(/logs\/pkg\/control\.log$/);
      expect(await page.content()).to.not.include('/nonexistent');
      await page.close();
    });

    it('prints the command that reproduces the check, and one per culprit that gives the same values again', async () => {
      const result = await run.results();
      const pkg = result.packages[0]!;
      const page = await open(run.out);
      // The words the test's user typed (helpers' check() adds --quiet, runCli --out), in their order, plus --seed.
      const base =
        `twinbuild check ${source} --build 'sh build.sh' --artifacts 'out/**' --quiet ` +
        `--env 'GREETING=hello world' --out ${run.out}`;
      expect(pkg.recipe!.rerun).to.deep.equal([
        ...['twinbuild', 'check', source, '--build', 'sh build.sh', '--artifacts', 'out/**', '--quiet'],
        ...['--env', 'GREETING=hello world', '--out', run.out],
      ]);
      expect(await page.locator('pre.replay').innerText()).to.equal(`${base} --seed ${result.seed}`);
      expect(await page.locator('pre.replay').innerText()).to.not.include('--preset');
      const culprit = await page.locator('ul.culprits li code.replay').allInnerTexts();
      expect(culprit).to.deep.equal([`${base} --vary=-all,+time --seed ${result.seed}`]);
      await page.close();
      // Run the culprit's command as printed: only time varies, and it takes the same value.
      const out = join(await tempDir('tb-out-'), 'again');
      const again = await realProcesses.capture(
        ['sh', '-c', `twinbuild() { node ${CLI} "$@"; }; ${culprit[0]} --out ${out} --quiet`],
        { timeoutMs: 120_000 },
      );
      expect(again.exitCode, again.stderr + again.stdout).to.equal(1);
      const replayed = (await runResults(out)).packages[0]!;
      expect(replayed.variations.filter((v) => v.status === 'varied').map((v) => v.name)).to.deep.equal(['time']);
      expect(replayed.builds.experiment!.values['time']).to.equal(pkg.builds.experiment!.values['time']);
      expect(replayed.culprits.map((c) => c.variations)).to.deep.equal([['time']]);
    });

    it('wraps artifact paths only after a slash, never inside a name', async () => {
      const page = await browser.newPage({ viewport: { width: 900, height: 800 } });
      await page.goto(pathToFileURL(join(run.out, 'index.html')).href);
      const paths = await page.locator('table.artifacts td:first-child code').evaluateAll(lineBreaks);
      expect(paths.map((p) => p.text)).to.include(DEEP);
      const deep = paths.find((p) => p.text === DEEP)!;
      expect(deep.breaks.length, 'the deep path is wider than its column').to.be.greaterThan(0);
      for (const { text, breaks } of paths)
        for (const before of breaks) expect(before, `${text} breaks after "${before}"`).to.match(/\/$/);
      await page.screenshot({ path: join(SHOTS, 'index-paths.png'), fullPage: true });
      await page.close();
    });

    it('wraps the reproduce commands only between words or after a "/", never inside "--seed" or a flag', async () => {
      const page = await browser.newPage({ viewport: { width: 360, height: 800 } });
      await page.goto(pathToFileURL(join(run.out, 'index.html')).href);
      const commands = await page.locator('pre.replay code, code.replay').evaluateAll(lineBreaks);
      expect(commands.length).to.be.greaterThan(1);
      expect(
        commands.some((c) => c.breaks.length > 0),
        'a command wider than the page',
      ).to.equal(true);
      for (const { text, breaks } of commands) {
        expect(text).to.match(/ --seed \d+$/);
        for (const before of breaks) expect(before, `${text} breaks after "${before}"`).to.match(/[ /]$/);
      }
      await page.close();
    });

    it('shows no verdict filters and no summary table for one package', async () => {
      const page = await open(run.out);
      expect(await page.locator('input[name="verdict"]').count()).to.equal(0);
      expect(await page.locator('.filters label').count()).to.equal(0);
      expect(await page.locator('table.summary').count()).to.equal(0);
      expect(await page.locator('section.pkg').isVisible()).to.equal(true);
      await page.close();
    });

    it('shows the diff excerpt inline, as the console does', async () => {
      const pkg = (await run.results()).packages[0]!;
      const excerpt = pkg.diffoscope.find((d) => d.artifact === 'out/date.txt')!.excerpt;
      expect(excerpt).to.match(/^\+\d{4}-\d\d-\d\d$/m);
      const page = await open(run.out);
      const shown = page.locator('table.artifacts tr', { hasText: 'out/date.txt' }).locator('pre.excerpt');
      expect(await shown.isVisible()).to.equal(true);
      expect((await shown.innerText()).trimEnd()).to.equal(excerpt.trimEnd());
      await page.close();
    });

    it('gives the full hash on a click', async () => {
      const pkg = (await run.results()).packages[0]!;
      const artifact = pkg.artifacts.find((a) => a.path === 'out/date.txt')!;
      const page = await open(run.out);
      const hashes = page.locator('table.artifacts tr', { hasText: 'out/date.txt' }).locator('details.hash');
      const experiment = hashes.nth(1);
      expect(await experiment.locator('.full-hash').isVisible()).to.equal(false);
      expect(await experiment.locator('summary').innerText()).to.equal(`${artifact.sha256.experiment!.slice(0, 16)}…`);
      await experiment.locator('summary').click();
      expect(await experiment.locator('.full-hash').isVisible()).to.equal(true);
      expect(await experiment.locator('.full-hash').innerText()).to.equal(artifact.sha256.experiment);
      await page.close();
    });

    it('draws each phase, build and probe at its real start and end, overlapping ones on rows of their own', async () => {
      const result = await run.results();
      const pkg = result.packages[0]!;
      const spans = spansOf(pkg);
      // diffoscope and bisect run at once: laid end to end, the timeline would run past the check.
      const { diffoscope, bisect } = pkg.phaseStarts!;
      expect(bisect!).to.be.below(diffoscope! + pkg.timings['diffoscope']!);
      const last = Math.max(...spans.map((s) => s.start + s.duration));
      expect(last, 'everything ends within the run').to.be.at.most(
        Date.parse(result.finishedAt) - Date.parse(result.startedAt) + 2,
      );
      const page = await open(run.out);
      const svg = page.locator('section.pkg svg[aria-label="timeline"]');
      const measured = await svg.evaluate(measureTimeline);
      expect(Number(measured.end.label.replace(/ s$/, '')) * 1000).to.be.closeTo(last, 5);
      expectBarsAt(measured, spans);
      // Bars on one row never overlap; diffoscope and bisect are on two rows.
      const bar = (name: string) => measured.bars.find((b) => b.name === name)!;
      expect(bar('diffoscope').y).to.not.equal(bar('bisect').y);
      for (const a of measured.bars)
        for (const b of measured.bars)
          if (a !== b && a.y === b.y && a.x <= b.x)
            expect(a.x + a.width, `${a.name} and ${b.name} share a row`).to.be.at.most(b.x + 0.5);
      await svg.screenshot({ path: join(SHOTS, 'timeline.png') });
      await page.close();
    });

    it('lays the phases of a result without their starts end to end, and says so', async () => {
      const result = await run.results();
      const { phaseStarts: _starts, ...older } = result.packages[0]!;
      const dir = await tempDir();
      await writeFile(join(dir, 'index.html'), renderHtml({ ...result, packages: [older] }));
      const page = await open(dir);
      expect(await page.locator('.timeline-note').innerText()).to.match(/^phases drawn end to end/);
      const measured = await page.locator('svg[aria-label="timeline"]').evaluate(measureTimeline);
      let at = 0;
      const phases = Object.entries(older.timings).map(([name, duration]) => {
        const span = { name, start: at, duration };
        at += duration;
        return span;
      });
      expectBarsAt(measured, [...phases, ...spansOf({ ...older, timings: {}, phaseStarts: {} })]);
      await page.close();
    });

    it('draws each kind of timeline bar in its own colour and pattern, named in a legend', async () => {
      const page = await open(run.out);
      const svg = page.locator('svg[aria-label="timeline"]');
      const legend = await svg.locator('g.legend-item').evaluateAll((items) =>
        items.map((g) => {
          const fill = g.querySelector('rect')!.getAttribute('fill')!;
          const pattern = document.getElementById(fill.replace(/^url\(#(.*)\)$/, '$1'))!;
          return {
            kind: g.getAttribute('data-kind'),
            label: g.textContent,
            fill,
            colour: pattern.getAttribute('data-colour'),
            shape: pattern.innerHTML,
          };
        }),
      );
      const labels = legend.map((l) => l.label);
      for (const label of [
        'diffoscope',
        'experiment build',
        'control build',
        'probe: differs',
        'probe: same as control',
      ])
        expect(labels).to.include(label);
      for (const key of ['fill', 'colour', 'shape'] as const) {
        expect(new Set(legend.map((l) => l[key])).size, `every legend entry has its own ${key}`).to.equal(
          legend.length,
        );
      }
      // Without colour: the shapes of diffoscope, the experiment and a differing probe still differ.
      const strip = (shape: string) => shape.replace(/#[0-9a-f]{6}/g, '');
      const pick = (kind: string) => strip(legend.find((l) => l.kind === kind)!.shape);
      expect(new Set([pick('diffoscope'), pick('experiment'), pick('probe-differs')]).size).to.equal(3);
      // Every bar's kind is in the legend, drawn with the legend's fill.
      const bars = await svg
        .locator('rect.bar')
        .evaluateAll((rects) =>
          rects.map((r) => ({ kind: r.getAttribute('data-kind'), fill: r.getAttribute('fill') })),
        );
      for (const bar of bars)
        expect(legend.find((l) => l.kind === bar.kind)?.fill, String(bar.kind)).to.equal(bar.fill);
      await page.close();
    });
  });

  it("says which variation makes the experiment build fail, with its replay and the failing probe's log", async () => {
    const run = await check(await fixture(NEEDS_HOME));
    expect(run.exitCode, run.stderr + run.stdout).to.equal(3);
    const result = await run.results();
    const culprit = result.packages[0]!.culprits[0]!;
    const page = await open(run.out);
    expect(await page.locator('section.pkg h2').innerText()).to.equal('pkg — error');
    expect(await page.locator('section.pkg').innerText()).to.include(
      `the experiment build failed; it fails when home is varied (confirmed by probe ${culprit.probe})`,
    );
    const item = page.locator('ul.culprits li');
    expect(await item.innerText()).to.match(
      /^home makes the build fail \(confirmed by probe p\d+\)\nvary only this: twinbuild check .* --vary=-all,\+home --seed \d+$/,
    );
    expect(
      await page.locator('svg[aria-label="timeline"] g.legend-item', { hasText: 'probe: build fails' }).count(),
    ).to.equal(1);
    await page.locator('section.pkg details', { hasText: 'probe builds' }).locator('summary').click();
    await page.locator('table.probes').getByRole('link', { name: culprit.probe, exact: true }).click();
    await page.waitForLoadState();
    expect(page.url()).to.match(new RegExp(`logs/pkg/probe-${culprit.probe}\\.log$`));
    expect(await page.content()).to.include('HOME /nonexistent/second-build does not exist');
    await page.close();
  });

  it('prints the verify command that verifies the same files again, and links the rebuild log', async () => {
    const source = await fixture('echo built > out/a.txt');
    const published = join(await tempDir(), 'a.txt');
    await writeFile(published, 'built\n');
    const run = await runCli([
      'verify',
      source,
      '--published',
      published,
      '--build',
      'sh build.sh',
      '--artifacts',
      'out/**',
      '--quiet',
    ]);
    expect(run.exitCode, run.stderr + run.stdout).to.equal(0);
    const page = await open(run.out);
    expect(await page.locator('p.logs a').allInnerTexts()).to.deep.equal(['rebuild log']);
    const command = await page.locator('pre.replay').innerText();
    expect(command).to.equal(
      `twinbuild verify ${source} --published ${published} --build 'sh build.sh' --artifacts 'out/**' --quiet --out ${run.out}`,
    );
    expect(await page.locator('ul.culprits').count()).to.equal(0);
    await page.close();
    const out = join(await tempDir('tb-out-'), 'again');
    const again = await realProcesses.capture(
      ['sh', '-c', `twinbuild() { node ${CLI} "$@"; }; ${command} --out ${out} --quiet`],
      { timeoutMs: 120_000 },
    );
    expect(again.exitCode, again.stderr + again.stdout).to.equal(0);
    expect((await runResults(out)).packages[0]!.verdict).to.equal('verified');
  });

  it("shows a sweep's variations once for the run, and per package only the rows that differ", async () => {
    const root = join(await tempDir(), 'repo');
    await genericPackage(root, 'pkgs/good', REPRODUCIBLE);
    await genericPackage(root, 'pkgs/leaky', LEAKS_UMASK);
    await writeFiles(root, {
      'twinbuild.config.json': JSON.stringify({
        defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
        packages: [{ glob: 'pkgs/*' }],
      }),
    });
    const run = await runCli(
      ['sweep', root, '--quiet', '--no-bisect', '--jobs', '1', '--vary=-all,+umask,+home,+time', '--seed', '7'],
      { timeoutMs: 300_000 },
    );
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const result = await run.results();
    const page = await open(run.out);
    // One row per package with its cause, on the first screen; the run's variations folded below.
    const summary = page.locator('table.summary');
    expect(await summary.locator('th').allInnerTexts()).to.deep.equal([
      'package',
      'verdict',
      'artifacts differing',
      'cause',
    ]);
    const causes = await summary
      .locator('tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => [r.querySelector('td')!.textContent, r.querySelector('td.cause')!.textContent]),
      );
    const leakyName = result.packages.find((p) => p.verdict === 'unreproducible')!.name;
    expect(Object.fromEntries(causes)).to.deep.equal({
      [result.packages.find((p) => p.verdict === 'reproducible')!.name]: '',
      [leakyName]: 'evidence points at umask (not confirmed)',
    });
    const causeCell = await summary.locator('tr', { hasText: leakyName }).locator('td.cause').boundingBox();
    expect(causeCell!.y + causeCell!.height, 'the cause is on the first screen').to.be.below(
      page.viewportSize()!.height,
    );
    expect(await page.locator('table.run-variations').isVisible()).to.equal(false);
    await page.screenshot({ path: join(SHOTS, 'index-sweep.png'), fullPage: true });
    const runTable = page.locator('table.run-variations');
    expect(await runTable.count()).to.equal(1);
    expect(await runTable.locator('tbody tr').count()).to.equal(result.packages[0]!.variations.length);
    expect(result.packages[0]!.variations.length).to.equal(18);
    // A row as its first four cells read: variation, status, control value, experiment value.
    const cells = (table: ReturnType<Page['locator']>) =>
      table.locator('tbody tr').evaluateAll((rows) =>
        rows.map((r) =>
          [...r.querySelectorAll('td')]
            .slice(0, 4)
            .map((td) => td.textContent)
            .join(' | '),
        ),
      );
    const runRows = await cells(runTable);
    const sections = page.locator('section.pkg');
    expect(await sections.count()).to.equal(2);
    let listed = 0;
    for (let i = 0; i < 2; i++) {
      const own = await cells(sections.nth(i).locator('table.variations'));
      listed += own.length;
      expect(own.length, 'a package lists only what differs from the run').to.be.below(18);
      for (const row of own) {
        const name = row.split(' | ')[0]!;
        expect(
          runRows.find((r) => r.startsWith(`${name} | `)),
          name,
        ).to.not.equal(undefined);
        expect(runRows, `${name} is listed because it differs`).to.not.include(row);
      }
      if (own.length === 0)
        expect(await sections.nth(i).locator('.variations-same').innerText()).to.equal(
          "Variations: as in the run's table.",
        );
    }
    expect(listed, "both packages varied the same way here, bar each one's build directory").to.be.below(6);
    // Each package's reproduce command: a check of its source with its config entry's keys
    // as flags and the sweep's shared flags (not ROOT, --jobs or the sweep's --out).
    // The verdict filters work without JavaScript.
    const plain = await browser.newPage({ javaScriptEnabled: false });
    await plain.goto(pathToFileURL(join(run.out, 'index.html')).href);
    const visible = async () => {
      const shown: string[] = [];
      for (const section of await plain.locator('section.pkg').all())
        if (await section.isVisible()) shown.push((await section.locator('h2').innerText()).split(' — ')[0]!);
      return shown.sort();
    };
    expect(await visible()).to.have.length(2);
    await plain.locator('label[for="f-unreproducible"]').click();
    expect(await visible()).to.deep.equal([leakyName]);
    await plain.locator('label[for="f-reproducible"]').click();
    expect(await visible()).to.deep.equal([result.packages.find((p) => p.name !== leakyName)!.name]);
    await plain.close();
    const leaky = result.packages.find((p) => p.name.endsWith('leaky'))!;
    const command = await page.locator(`section.pkg`, { hasText: leaky.name }).locator('pre.replay').innerText();
    expect(command).to.equal(
      `twinbuild check ${root}/pkgs/leaky --build 'sh build.sh' --artifacts 'out/**' ` +
        `--quiet --no-bisect --vary=-all,+umask,+home,+time --seed 7`,
    );
    await page.close();
    // Run as printed: the one package again, with the same values as in the sweep.
    const out = join(await tempDir('tb-out-'), 'again');
    const again = await realProcesses.capture(
      ['sh', '-c', `twinbuild() { node ${CLI} "$@"; }; ${command} --out ${out}`],
      { timeoutMs: 120_000 },
    );
    expect(again.exitCode, again.stderr + again.stdout).to.equal(1);
    const replayed = (await runResults(out)).packages[0]!;
    expect(replayed.verdict).to.equal(leaky.verdict);
    expect(replayed.builds.experiment!.values['umask']).to.equal(leaky.builds.experiment!.values['umask']);
    expect(replayed.builds.experiment!.values['time']).to.equal(leaky.builds.experiment!.values['time']);
  });
});

const runResults = async (out: string) => JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult;
