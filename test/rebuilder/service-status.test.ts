// The status page is a pure view of the service's state: every string that came
// from a repository or an error (names, versions, messages) is escaped.
import { expect } from 'chai';
import { buildStatus, renderStatusHtml } from '../../rebuilder/service/status.js';
import type { Job } from '../../rebuilder/service/state.js';
import { onPath, requireOrSkip } from '../helpers.js';
import { launchChromium } from '../browser.js';

const HOSTILE = `<script>alert("x")</script>&'`;

const job = (fields: Partial<Job>): Job => ({
  id: 1,
  repository: 'distro',
  source: 'tinyhello',
  version: '1.0',
  status: 'verified',
  attempts: 1,
  attemptsBeforeRetry: 0,
  spec: {
    repository: 'distro',
    source: 'tinyhello',
    version: '1.0',
    sourceFiles: [],
    binaries: [
      {
        package: 'tinyhello',
        version: '1.0',
        architecture: 'all',
        path: 'tinyhello_1.0_all.deb',
        sha256: '0'.repeat(64),
        size: 1,
      },
    ],
  },
  nextAttemptAt: 0,
  lastError: null,
  reportDir: '/pub/reports/distro/tinyhello/1.0/1',
  published: ['sources/tinyhello/1.0/metadata', 'sources/tinyhello/1.0/rebuild.12345678.dsse.json'],
  staged: [],
  createdAt: 0,
  updatedAt: 1_700_000_000_000,
  finishedAt: 1_700_000_000_000,
  removedAt: null,
  alert: null,
  worker: null,
  leaseUntil: null,
  ...fields,
});

describe('rebuilder status page', () => {
  it(
    'lists each repository with its last poll and each version with verdict, ' +
      'attempts, link and report; escapes what it did not write',
    () => {
      const jobs = [
        job({}),
        job({
          id: 2,
          source: HOSTILE,
          version: HOSTILE,
          status: 'failed',
          attempts: 5,
          lastError: HOSTILE,
          published: [],
          reportDir: null,
        }),
        job({ id: 3, version: '0.9', removedAt: 1_700_000_000_000 }),
      ];
      const status = buildStatus(
        jobs,
        [{ repository: 'distro', at: 1_700_000_000_000, ok: false, jobs: 0, error: HOSTILE, refused: [HOSTILE] }],
        [{ name: 'distro', signed: false }],
        '/pub',
        1_700_000_000_000,
      );
      const repo = status.repositories[0]!;
      expect(repo.lastPoll).to.deep.equal({
        at: '2023-11-14T22:13:20.000Z',
        ok: false,
        jobs: 0,
        error: HOSTILE,
        refused: [HOSTILE],
      });
      const hello = repo.packages.find((p) => p.source === 'tinyhello')!.versions[0]!;
      expect(hello).to.deep.include({
        version: '1.0',
        status: 'verified',
        attempts: 1,
        links: ['sources/tinyhello/1.0/metadata'],
        report: 'reports/distro/tinyhello/1.0/1/index.html',
      });
      const html = renderStatusHtml(status);
      expect(html).to.not.contain('<script>');
      // source and version in the table, last error, poll error, a refused entry; in the grid: the source (text and
      // title), and the version in its cell's title
      expect(html.split('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;').length - 1).to.equal(8);
      expect(html).to.contain('1 index entry refused (the others were read)');
      expect(repo.signed).to.equal(false);
      expect(html).to.contain('unsigned: its indexes are trusted without a signature');
      // A version no longer listed: marked, its link kept.
      expect(
        repo.packages.find((p) => p.source === 'tinyhello')!.versions.map((v) => [v.version, v.removed]),
      ).to.deep.include(['0.9', '2023-11-14T22:13:20.000Z']);
      expect(html).to.contain('removed from the repository 2023-11-14T22:13:20.000Z; links kept');
      expect(html)
        .to.contain('<a href="sources/tinyhello/1.0/metadata">')
        .and.contain('<a href="reports/distro/tinyhello/1.0/1/index.html">report</a>');
      expect(html).to.contain('class="verdict-verified">verified').and.contain('class="verdict-error">failed');
    },
  );

  it(
    "shows each package's versions as the history page's grid in Chromium: a letter " +
      "and a colour per verdict, each cell linking to its version's " +
      'row',
    async function () {
      this.timeout(120_000);
      requireOrSkip(this, (await onPath('chromium')) !== undefined, 'chromium not installed (Debian package chromium)');
      const jobs = [
        job({ id: 1, version: '1.0', status: 'verified' }),
        job({ id: 2, version: '1.1', status: 'mismatch' }),
        job({ id: 3, version: '1.2', status: 'failed', attempts: 5, lastError: 'exit 2' }),
        job({ id: 4, version: '1.3', status: 'queued', attempts: 0 }),
        job({ id: 5, source: HOSTILE, version: '2', status: 'running' }),
      ];
      const html = renderStatusHtml(
        buildStatus(jobs, [], [{ name: 'distro', signed: true }], '/pub', 1_700_000_000_000),
      );
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const dialogs: string[] = [];
        page.on('dialog', (dialog) => {
          dialogs.push(dialog.message());
          void dialog.dismiss();
        });
        await page.setContent(html);
        const gridRow = (source: string) =>
          page.locator('.statusgrid .p', { has: page.locator('.nm', { hasText: source }) });
        expect(await gridRow('tinyhello').locator('.c').allTextContents()).to.deep.equal(['V', 'M', 'E', 'P']);
        expect(await gridRow(HOSTILE).locator('.nm').innerText()).to.equal(HOSTILE);
        expect(await gridRow(HOSTILE).locator('.c').allTextContents()).to.deep.equal(['P']);
        expect(dialogs).to.deep.equal([]);
        // Four verdicts, four colours, the same as the history page's cells for them.
        const colours = await gridRow('tinyhello')
          .locator('.c')
          .evaluateAll((cells) => cells.map((cell) => getComputedStyle(cell).backgroundColor));
        expect(new Set(colours).size).to.equal(4);
        await gridRow('tinyhello').getByRole('link', { name: 'M', exact: true }).click();
        const target = decodeURIComponent(new URL(page.url()).hash.slice(1));
        expect(await page.locator(`tr[id="${target}"] td`).nth(1).innerText()).to.equal('1.1');
        expect(await page.locator(`tr[id="${target}"] td`).nth(2).innerText()).to.equal('mismatch');
      } finally {
        await browser.close();
      }
    },
  );
});
