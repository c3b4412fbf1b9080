// The status page is a pure view of the service's state: every string that came
// from a repository or an error (names, versions, messages) is escaped.
import { expect } from 'chai';
import { buildStatus, renderStatusHtml } from '../../rebuilder/service/status.js';
import type { Job } from '../../rebuilder/service/state.js';

const HOSTILE = `<script>alert("x")</script>&'`;

const job = (fields: Partial<Job>): Job => ({
  id: 1, repository: 'distro', source: 'tinyhello', version: '1.0', status: 'verified', attempts: 1, attemptsBeforeRetry: 0,
  spec: { repository: 'distro', source: 'tinyhello', version: '1.0', sourceFiles: [], binaries: [{ package: 'tinyhello', version: '1.0', architecture: 'all', path: 'tinyhello_1.0_all.deb', sha256: '0'.repeat(64), size: 1 }] },
  nextAttemptAt: 0, lastError: null, reportDir: '/pub/reports/distro/tinyhello/1.0/1', published: ['sources/tinyhello/1.0/metadata', 'sources/tinyhello/1.0/rebuild.12345678.dsse.json'], staged: [],
  createdAt: 0, updatedAt: 1_700_000_000_000, finishedAt: 1_700_000_000_000, ...fields,
});

describe('rebuilder status page', () => {
  it('lists each repository with its last poll and each version with verdict, attempts, link and report; escapes what it did not write', () => {
    const jobs = [job({}), job({ id: 2, source: HOSTILE, version: HOSTILE, status: 'failed', attempts: 5, lastError: HOSTILE, published: [], reportDir: null })];
    const status = buildStatus(jobs, [{ repository: 'distro', at: 1_700_000_000_000, ok: false, jobs: 0, error: HOSTILE }], ['distro'], '/pub', 1_700_000_000_000);
    const repo = status.repositories[0]!;
    expect(repo.lastPoll).to.deep.equal({ at: '2023-11-14T22:13:20.000Z', ok: false, jobs: 0, error: HOSTILE });
    const hello = repo.packages.find((p) => p.source === 'tinyhello')!.versions[0]!;
    expect(hello).to.deep.include({ version: '1.0', status: 'verified', attempts: 1, links: ['sources/tinyhello/1.0/metadata'], report: 'reports/distro/tinyhello/1.0/1/index.html' });
    const html = renderStatusHtml(status);
    expect(html).to.not.contain('<script>');
    expect(html.split('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;').length - 1).to.equal(4); // source, version, last error, poll error
    expect(html).to.contain('<a href="sources/tinyhello/1.0/metadata">').and.contain('<a href="reports/distro/tinyhello/1.0/1/index.html">report</a>');
    expect(html).to.contain('class="verdict-verified">verified').and.contain('class="verdict-error">failed');
  });
});
