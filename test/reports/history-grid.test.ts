// The history page's grid past one block of rows (it is drawn in blocks that
// Chromium lays out only on screen): rows in later blocks show their letters, line
// up under the column headings, are reached from the notes' links, and the filters
// hide and show them with JavaScript off.
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { anchorId } from '../../reports/escape.js';
import { BLOCK_ROWS } from '../../reports/history/grid.js';
import { buildHistory, columnFromResults } from '../../reports/history/model.js';
import { renderHistoryPage } from '../../reports/history/page.js';
import { BISECT_NOT_RUN, runResult, type PackageResult, type Verdict } from '../../reports/model.js';
import { cleanupTemp, onPath, requireOrSkip, tempDir } from '../helpers.js';
import { launchChromium } from '../browser.js';

const HOST = { hostname: 'h', platform: 'linux', arch: 'x64', kernel: '6', cpus: 2, node: 'v20', uid: 0 };
const PACKAGES = Math.round(BLOCK_ROWS * 2.5);
const name = (i: number) => `pkg-${String(i).padStart(3, '0')}`;
/** Every 50th package (from the 8th) flaps R U R U; the rest stay reproducible. */
const flaps = (i: number) => i % 50 === 7;
const FLAPPING = Array.from({ length: PACKAGES }, (_, i) => i)
  .filter(flaps)
  .map(name);

const pkg = (pkgName: string, verdict: Verdict): PackageResult => ({
  name: pkgName,
  source: pkgName,
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

function page(): string {
  const columns = [1, 2, 3, 4].map((day) => {
    const packages = Array.from({ length: PACKAGES }, (_, i) =>
      pkg(name(i), flaps(i) && day % 2 === 0 ? 'unreproducible' : 'reproducible'),
    );
    const result = runResult({
      command: 'sweep',
      version: '0',
      startedAt: `2026-01-0${day}T03:00:00.000Z`,
      seed: day,
      host: HOST,
      packages,
    });
    return columnFromResults(
      { ...result, finishedAt: result.startedAt },
      { report: `night-${day}/index.html`, page: (p) => p },
    );
  });
  return renderHistoryPage(buildHistory(columns));
}

describe('report history grid past one block of rows, in Chromium', function () {
  this.timeout(180_000);
  let browser: Browser;
  let url: string;

  before(async function () {
    requireOrSkip(this, (await onPath('chromium')) !== undefined, 'chromium not installed (Debian package chromium)');
    const file = join(await tempDir(), 'index.html');
    await writeFile(file, page());
    url = pathToFileURL(file).href;
    browser = await launchChromium();
  });
  after(async () => {
    // Unset when before() skipped (no chromium).
    await (browser as Browser | undefined)?.close();
    await cleanupTemp();
  });

  it("shows a later block's row with its letters, lined up under the column headings, and scrolls to it from the notes' link", async () => {
    const tab = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    await tab.goto(url);
    expect(await tab.locator('.blk').count()).to.equal(Math.ceil(PACKAGES / BLOCK_ROWS));
    const last = FLAPPING.at(-1)!;
    const row = tab.locator(`.p[id="row-${anchorId(last)}"]`);
    expect(await row.locator('.c').allTextContents()).to.deep.equal(['R', 'U↓', 'R↑', 'U↓']);
    await tab.locator('p', { hasText: 'Flapping' }).getByRole('link', { name: last, exact: true }).click();
    const box = (await row.boundingBox())!;
    expect(box.y, 'the row is on screen after following its link').to.be.within(-1, 700 - box.height);
    const headings = await tab
      .locator('.hd .c')
      .evaluateAll((cells) => cells.map((c) => Math.round(c.getBoundingClientRect().left)));
    const cells = await row
      .locator('.c')
      .evaluateAll((cells) => cells.map((c) => Math.round(c.getBoundingClientRect().left)));
    expect(headings).to.have.length(4);
    expect(cells).to.deep.equal(headings);
    await tab.close();
  });

  it('filters rows in every block with JavaScript disabled', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const tab = await context.newPage();
    await tab.goto(url);
    const visible = async () => {
      const names: string[] = [];
      for (const cell of await tab.locator('.blk .nm').all())
        if (await cell.isVisible()) names.push(await cell.innerText());
      return names;
    };
    expect(await visible()).to.have.length(PACKAGES);
    await tab.locator('label[for="f-flapping"]').click();
    expect(await visible()).to.deep.equal(FLAPPING);
    await tab.locator('label[for="f-all"]').click();
    expect(await visible()).to.have.length(PACKAGES);
    await context.close();
  });
});
