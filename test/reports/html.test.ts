// index.html in real headless Chromium: what a person sees, links that work, and
// hostile file names shown as text with no script run.
import { expect } from 'chai';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { check, cleanupTemp, EXAMPLES, fixture, requireOrSkip, REPO_ROOT, onPath } from '../helpers.js';
import { launchChromium } from '../browser.js';

// The first one's "/" makes a directory: the artifact path is still exactly that string.
const HOSTILE = [
  '<script>alert(1)</script>.txt',
  '<img src=x onerror=alert(2)>.txt',
  `quote"'and'.txt`,
  'new\nline.txt',
  'ünïcødé ✓.txt',
];
const SHOTS = join(REPO_ROOT, 'test-output');

describe('reports/html in Chromium', function () {
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

  it('shows the verdict, the differing file and a working link to its diffoscope page', async () => {
    const run = await check(join(EXAMPLES, 'leaks-date'));
    expect(run.exitCode).to.equal(1);
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(run.out, 'index.html')).href);
    expect(await page.title()).to.equal('twinbuild: 0/1 reproducible');
    const heading = await page.locator('h2').first().innerText();
    expect(heading).to.equal('leaks-date — unreproducible');
    const row = page.locator('tr', { hasText: 'out/VERSION' });
    expect(await row.locator('td').nth(1).innerText()).to.equal('differs');
    expect(await page.locator('svg[aria-label="timeline"] rect').count()).to.be.greaterThan(2);
    await page.screenshot({ path: join(SHOTS, 'index-leaks-date.png'), fullPage: true });
    await row.getByRole('link', { name: 'diffoscope' }).click();
    await page.waitForLoadState();
    expect(page.url()).to.match(/diffoscope\/leaks-date\/out\/VERSION\.html$/);
    expect(await page.content()).to.include('experiment/leaks-date/out/VERSION');
    await page.close();
  });

  it('shows the culprit bisect names, its confirming probe and its diffoscope page', async () => {
    const run = await check(await fixture('date -u +%Y-%m-%d > out/date.txt\necho same > out/same.txt'));
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(run.out, 'index.html')).href);
    expect(await page.locator('section.pkg h3', { hasText: 'Culprits' }).count()).to.equal(1);
    const culprit = page.locator('ul.culprits li');
    expect(await culprit.count()).to.equal(1);
    expect(await culprit.innerText()).to.match(
      new RegExp(
        String.raw`^time changes out\/date\.txt \(confirmed by probe p\d+\) diffoscope\n` +
          String.raw`vary only this: twinbuild check \S+ --build 'sh build\.sh' --artifacts 'out\/\*\*' --quiet --out \S+ ` +
          String.raw`--vary=-all,\+time --seed \d+$`,
      ),
    );
    expect(await page.locator('table.probes tbody tr').count()).to.equal(
      (await run.results()).packages[0]!.bisect.probes.length,
    );
    await culprit.getByRole('link', { name: 'diffoscope' }).click();
    await page.waitForLoadState();
    // The probe built the experiment's very bytes, so the link is the check's own diffoscope page.
    expect(page.url()).to.match(/diffoscope\/pkg\/out\/date\.txt\.html$/);
    await page.close();
  });

  it('renders hostile file names as text and runs no script from them', async () => {
    const quoted = (name: string) => `'out/${name.replace(/'/g, `'"'"'`)}'`;
    const script = HOSTILE.map(
      (name) => `mkdir -p "$(dirname ${quoted(name)})"; printf '%s' "$HOME" > ${quoted(name)}`,
    ).join('\n');
    const run = await check(await fixture(script), '--vary=-all,+home', '--no-diffoscope');
    expect(run.exitCode, run.stderr + run.stdout).to.equal(1);
    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(pathToFileURL(join(run.out, 'index.html')).href);
    const paths = await page
      .locator('section.pkg table.artifacts')
      .locator('tbody tr td:first-child code')
      .allTextContents();
    expect(paths).to.have.members(HOSTILE.map((n) => `out/${n}`));
    expect(dialogs).to.deep.equal([]);
    expect(await page.locator('script').count()).to.equal(0);
    await page.screenshot({ path: join(SHOTS, 'index-hostile.png'), fullPage: true });
    await page.close();
  });
});
