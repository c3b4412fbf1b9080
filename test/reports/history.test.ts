// `twinbuild report history` on a real series of nightly sweeps (each against
// the previous night as its baseline, the last one in two shards merged), read in
// headless Chromium: the grid's letters, its links, the filters with JavaScript
// off, and a hostile package name shown as text. Then the store (history.json
// fed back with the next night) and bad input.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { History } from '../../reports/history/model.js';
import { anchorId } from '../../reports/escape.js';
import { cleanupTemp, onPath, REPO_ROOT, requireOrSkip, runCli, tempDir } from '../helpers.js';
import { LEAKS_UMASK, REPRODUCIBLE, genericPackage, writeFiles } from '../suites/fixtures.js';
import { launchChromium } from '../browser.js';

const HOSTILE = '<img src=x onerror=alert(1)>';
const SHOTS = join(REPO_ROOT, 'test-output');
const R = REPRODUCIBLE;
const U = LEAKS_UMASK;
// What each package builds on nights 1..4 (U leaks the umask, which the sweeps vary).
const NIGHTS: Record<string, readonly string[]> = {
  steady: [R, R, R, R],
  flappy: [R, U, R, U],
  regressor: [R, R, U, U],
  [HOSTILE]: [U, U, U, U],
};
const DIRS: Record<string, string> = {
  steady: 'steady',
  flappy: 'flappy',
  regressor: 'regressor',
  [HOSTILE]: 'hostile',
};

const sweep = (root: string, out: string, ...extra: string[]) =>
  runCli(['sweep', root, '--quiet', '--no-bisect', '--vary=-all,+umask', '--jobs', '2', '--out', out, ...extra], {
    withOut: false,
    timeoutMs: 300_000,
  });

/** Four nights in `nights/1..4`, each against the one before; night 4 as two shards and their merge. */
async function nightlySeries(): Promise<{ root: string; nights: string }> {
  const base = await tempDir();
  const root = join(base, 'repo');
  const nights = join(base, 'nights');
  await writeFiles(root, {
    'twinbuild.config.json': JSON.stringify({
      defaults: { build: 'sh build.sh', artifacts: ['out/**'] },
      packages: Object.entries(DIRS).map(([name, path]) => ({ name, path })),
    }),
  });
  for (let night = 1; night <= 4; night++) {
    for (const [name, scripts] of Object.entries(NIGHTS)) await genericPackage(root, DIRS[name]!, scripts[night - 1]!);
    const baseline = night === 1 ? [] : ['--baseline', join(nights, String(night - 1), 'results.json')];
    if (night < 4) {
      const run = await sweep(root, join(nights, String(night)), ...baseline);
      expect(run.exitCode, run.stderr).to.be.oneOf([0, 1]);
      continue;
    }
    for (const shard of [1, 2]) {
      const run = await sweep(root, join(nights, '4', `shard-${shard}`), '--shard', `${shard}/2`, ...baseline);
      expect(existsSync(join(nights, '4', `shard-${shard}`, 'results.json')), run.stderr).to.equal(true);
    }
    const merged = await runCli(
      [
        'report',
        'merge',
        join(nights, '4', 'shard-1'),
        join(nights, '4', 'shard-2'),
        '--out',
        join(nights, '4', 'merged'),
      ],
      { withOut: false },
    );
    expect(merged.exitCode, merged.stderr).to.equal(1);
  }
  return { root, nights };
}

const row = (page: Page, name: string) => page.locator(`.p[id="row-${anchorId(name)}"]`);
const letters = async (page: Page, name: string) =>
  (await row(page, name).locator('.c').allTextContents()).map((t) => t.replace('≠', ''));

describe('report history in Chromium', function () {
  this.timeout(600_000);
  let browser: Browser;
  let series: { root: string; nights: string };
  let out: string;
  let index: string;

  before(async function () {
    requireOrSkip(this, (await onPath('chromium')) !== undefined, 'chromium not installed (Debian package chromium)');
    series = await nightlySeries();
    out = join(await tempDir(), 'history');
    const run = await runCli(['report', 'history', series.nights, '--out', out], { withOut: false });
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/^history: 4 packages × 4 runs, 1 flapping → /);
    index = pathToFileURL(join(out, 'index.html')).href;
    browser = await launchChromium();
    await mkdir(SHOTS, { recursive: true });
  });
  after(async () => {
    // Unset when before() skipped (no chromium).
    await (browser as Browser | undefined)?.close();
    await cleanupTemp();
  });

  it('reads the merged shards as one night and marks each regression, fix and the flapping package in the grid', async () => {
    const history = JSON.parse(await readFile(join(out, 'history.json'), 'utf8')) as History;
    expect(history.runs.map((r) => r.command)).to.deep.equal(['sweep', 'sweep', 'sweep', 'sweep (merged from 2)']);
    const page = await browser.newPage();
    await page.goto(index);
    expect(await letters(page, 'steady')).to.deep.equal(['R', 'R', 'R', 'R']);
    expect(await letters(page, 'flappy')).to.deep.equal(['R', 'U↓', 'R↑', 'U↓']);
    expect(await letters(page, 'regressor')).to.deep.equal(['R', 'R', 'U↓', 'U']);
    expect(await letters(page, HOSTILE)).to.deep.equal(['U', 'U', 'U', 'U']);
    // A colour as well as the letter: passing, failing and missing cells differ.
    const background = (name: string, i: number) =>
      row(page, name)
        .locator('.c')
        .nth(i)
        .evaluate((cell) => getComputedStyle(cell).backgroundColor);
    const colours = new Set([
      await background('steady', 0),
      await background('regressor', 3),
      await background(HOSTILE, 0),
    ]);
    expect(colours.size).to.equal(2);
    expect(await background('steady', 0)).to.not.equal(await background('regressor', 3));
    expect(await row(page, 'flappy').locator('.flag').innerText()).to.equal('flapping');
    expect(await page.locator('.flag').count()).to.equal(1);
    // The chart: one point per night, 3 of 4 reproducible on night 1, 1 of 4 on night 4.
    const points = await page.locator('svg.share circle title').allTextContents();
    expect(points).to.have.length(4);
    expect(points[0]).to.match(/: 3\/4 reproducible \(75\.0%\)$/);
    expect(points[3]).to.match(/: 1\/4 reproducible \(25\.0%\)$/);
    expect(await page.locator('p', { hasText: 'Regressed in the latest run' }).innerText()).to.equal(
      'Regressed in the latest run (1): flappy',
    );
    await page.screenshot({ path: join(SHOTS, 'history.png'), fullPage: true });
    await page.close();
  });

  it("links each cell to its night's report section, and ≠ to the diffoscope page, for the merged night too", async () => {
    const page = await browser.newPage();
    await page.goto(index);
    await row(page, 'regressor').locator('.c').nth(2).getByRole('link', { name: 'U↓' }).click();
    await page.waitForLoadState();
    expect(fileURLToPath(page.url().replace(/#.*/, ''))).to.equal(join(series.nights, '3', 'index.html'));
    expect(new URL(page.url()).hash).to.equal(`#${anchorId('regressor')}`);
    expect(await page.locator(`section[id="${anchorId('regressor')}"] h2`).innerText()).to.equal(
      'regressor — unreproducible',
    );
    await page.goto(index);
    await row(page, 'flappy').locator('.c').nth(3).getByRole('link', { name: '≠' }).click();
    await page.waitForLoadState();
    const diffoscope = fileURLToPath(page.url());
    expect(
      diffoscope.startsWith(join(series.nights, '4', 'merged', 'diffoscope', 'flappy') + '/'),
      diffoscope,
    ).to.equal(true);
    expect(await page.content()).to.include('umask.txt');
    await page.close();
  });

  it('filters packages with JavaScript disabled', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(index);
    const visible = async () => {
      const names: string[] = [];
      for (const th of await page.locator('.blk .nm').all()) if (await th.isVisible()) names.push(await th.innerText());
      return names.sort();
    };
    expect(await visible()).to.deep.equal([HOSTILE, 'flappy', 'regressor', 'steady'].sort());
    await page.locator('label[for="f-flapping"]').click();
    expect(await visible()).to.deep.equal(['flappy']);
    await page.locator('label[for="f-regressed"]').click();
    expect(await visible()).to.deep.equal(['flappy', 'regressor']);
    await page.locator('label[for="f-failing"]').click();
    expect(await visible()).to.deep.equal([HOSTILE, 'flappy', 'regressor'].sort());
    await page.locator('label[for="f-all"]').click();
    expect(await visible()).to.have.length(4);
    await context.close();
  });

  it('shows a hostile package name as text and runs nothing from it', async () => {
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(index);
    expect(await row(page, HOSTILE).locator('.nm').innerText()).to.equal(HOSTILE);
    expect(await page.locator('img').count()).to.equal(0);
    expect(await page.locator('script').count()).to.equal(0);
    expect(dialogs).to.deep.equal([]);
    await page.close();
  });

  it('appends the next night to history.json (the store), keeping its links working, and keeps only --runs N', async () => {
    await genericPackage(series.root, 'regressor', R);
    const night5 = join(series.nights, '5');
    expect((await sweep(series.root, night5)).exitCode).to.be.oneOf([0, 1]);
    // One level deeper than the first output, so links that were not rebased would miss.
    const next = join(await tempDir(), 'site', 'next');
    const run = await runCli(
      ['report', 'history', join(out, 'history.json'), join(night5, 'results.json'), '--out', next, '--runs', '4'],
      { withOut: false },
    );
    expect(run.exitCode, run.stderr).to.equal(0);
    const history = JSON.parse(await readFile(join(next, 'history.json'), 'utf8')) as History;
    expect(history.runs).to.have.length(4);
    const regressor = history.packages.find((p) => p.name === 'regressor')!;
    expect(regressor.cells.map((c) => c && `${c.verdict}${c.change ? ` ${c.change}` : ''}`)).to.deep.equal([
      'reproducible',
      'unreproducible regression',
      'unreproducible',
      'reproducible fix',
    ]);
    // Night 1 fell out of the window: flappy (U R U U… from night 2) changed twice, no longer flapping.
    expect(history.packages.find((p) => p.name === 'flappy')!.flapping).to.equal(false);
    for (const runInfo of history.runs)
      expect(existsSync(join(next, decodeURIComponent(runInfo.report!))), runInfo.report!).to.equal(true);
    // Given again, a night is one column, not two.
    const again = await runCli(
      ['report', 'history', join(next, 'history.json'), join(night5, 'results.json'), '--out', next],
      { withOut: false },
    );
    expect(again.stdout).to.match(/× 4 runs/);
  });

  it('explains itself in `report history --help`', async () => {
    const run = await runCli(['report', 'history', '--help'], { withOut: false });
    expect(run.exitCode).to.equal(0);
    expect(run.stdout)
      .to.include('twinbuild report history RESULTS_OR_DIRS... --out DIR')
      .and.include('--link-base URL')
      .and.include('flapping');
  });

  it('refuses bad input with exit 2 and one line', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'broken.json'), '{"schema": ');
    await writeFile(
      join(dir, 'evil.json'),
      JSON.stringify({
        schema: 'twinbuild/history@1',
        window: 60,
        flapChanges: 3,
        runs: [
          { id: 'a', startedAt: 'a', finishedAt: 'a', command: 'sweep', report: 'javascript:alert(1)', summary: {} },
        ],
        packages: [],
      }),
    );
    await mkdir(join(dir, 'empty'));
    const cases: [string[], RegExp][] = [
      [[join(dir, 'empty')], /no results\.json under /],
      [[join(dir, 'broken.json')], /cannot read .*broken\.json as JSON/],
      [[join(dir, 'missing.json')], /missing\.json: no such file or directory/],
      [[join(series.nights, '4', 'shard-1', 'results.json')], /is shard 1\/2 of a sweep: merge the shards first/],
      [[join(dir, 'evil.json')], /is not a usable twinbuild history: "runs"/],
      [[], /report history takes results\.json files/],
    ];
    for (const [inputs, message] of cases) {
      const run = await runCli(['report', 'history', ...inputs]);
      expect(run.exitCode, `${inputs.join(' ')}: ${run.stderr}`).to.equal(2);
      expect(run.stderr).to.match(message);
      expect(run.stderr.trim().split('\n'), run.stderr).to.have.length(1);
    }
  });
});
