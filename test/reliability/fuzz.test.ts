// Fuzz: seeded random bytes, control characters and XML/HTML fragments in
// package names, artifact names, messages and log lines. Every junit.xml must
// stay well-formed (xmllint) and carry the names; every index.html must show
// them as text in Chromium, with no element, script or dialog of theirs.
import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { realProcesses } from '../../adapters/process.js';
import { renderHtml } from '../../reports/html.js';
import { renderJunit } from '../../reports/junit.js';
import {
  BISECT_NOT_RUN,
  summarise,
  type ArtifactResult,
  type PackageResult,
  type RunResult,
} from '../../reports/model.js';
import { cleanupTemp, requireOrSkip, tempDir, onPath } from '../helpers.js';
import { launchChromium } from '../browser.js';

const FRAGMENTS = [
  '<script>window.__pwned=1</script>',
  '<img src=x onerror="window.__pwned=1">',
  ']]>',
  '<!--',
  '-->',
  '&amp;',
  '&#x3C;',
  '"',
  "'",
  '`',
  '<![CDATA[',
  '</td></tr></table>',
  '\u0000',
  '\u001b[31m',
  '\r\n',
  '\uD800',
  '\uFFFE',
  '🚀',
  'x\u202Ey',
];

/** A small deterministic generator (mulberry32), so a failure can be replayed by its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hostileText(next: () => number): string {
  let text = '';
  const parts = 1 + Math.floor(next() * 6);
  for (let i = 0; i < parts; i++) {
    const pick = next();
    if (pick < 0.5) text += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)];
    else if (pick < 0.8)
      text += String.fromCharCode(Math.floor(next() * 0x20)); // control characters
    else text += String.fromCharCode(Math.floor(next() * 0xffff)); // anything in the BMP, surrogates included
  }
  return text;
}

function fuzzedResult(seed: number): RunResult {
  const next = rng(seed);
  const artifacts: ArtifactResult[] = Array.from({ length: 6 }, (_, i) => ({
    path: `out/${i}-${hostileText(next)}`,
    kind: 'file',
    status: i % 2 ? 'differs' : 'identical',
    size: { control: 1, experiment: 1 },
    sha256: { control: 'a'.repeat(64), experiment: i % 2 ? 'b'.repeat(64) : 'a'.repeat(64) },
    linkTarget: null,
    escapedName: false,
    node: null,
    ignored: null,
  }));
  const pkg: PackageResult = {
    name: `pkg-${hostileText(next)}`,
    source: `/src/${hostileText(next)}`,
    verdict: 'unreproducible',
    error: null,
    variations: [{ name: 'umask', status: 'varied', control: '0022', experiment: '0002', reason: null }],
    isolation: 'namespaces',
    buildPath: 'shared',
    culprits: [],
    nondeterministic: false,
    bisect: BISECT_NOT_RUN(hostileText(next)),
    diffoscope: artifacts
      .filter((a) => a.status === 'differs')
      .map((a) => ({
        artifact: a.path,
        tool: 'diffoscope',
        status: 'differences',
        html: null,
        text: null,
        json: null,
        log: null,
        excerpt: Array.from({ length: 5 }, () => hostileText(next)).join('\n'),
        message: hostileText(next),
      })),
    timings: {},
    artifacts,
    builds: {
      control: {
        exitCode: 0,
        signal: null,
        timedOut: false,
        startMs: 0,
        durationMs: 1,
        log: 'logs/c.log',
        logTail: [hostileText(next)],
        command: [hostileText(next)],
        values: {},
      },
      experiment: {
        exitCode: 0,
        signal: null,
        timedOut: false,
        startMs: 0,
        durationMs: 1,
        log: 'logs/e.log',
        logTail: [hostileText(next)],
        command: [],
        values: {},
      },
    },
    diagnoses: [],
    unclassified: [],
    ruledOut: [],
    notCopied: [],
  } as unknown as PackageResult;
  return {
    schema: 'twinbuild/results@3',
    tool: { name: 'twinbuild', version: '0' },
    command: 'check',
    startedAt: '',
    finishedAt: '',
    seed,
    host: { hostname: hostileText(next), platform: 'linux', arch: 'x64', kernel: 'k', cpus: 2, node: 'v20', uid: 0 },
    packages: [pkg],
    summary: summarise([pkg]),
    exitCode: 1,
    shard: null,
    baseline: null,
    incomplete: null,
    nothingChecked: null,
  };
}

const SEEDS = Array.from({ length: 40 }, (_, i) => 1000 + i);

describe('reliability: fuzzed names and logs in the reports', function () {
  this.timeout(180_000);
  let browser: Browser | undefined;
  before(async function () {
    requireOrSkip(this, (await onPath('xmllint')) !== undefined, 'xmllint not installed (libxml2-utils)');
    requireOrSkip(this, (await onPath('chromium')) !== undefined, 'chromium not installed (Debian package chromium)');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await cleanupTemp();
  });

  it(`junit.xml stays well-formed and keeps every name, for ${SEEDS.length} seeds`, async () => {
    const dir = await tempDir('tb-fuzz-');
    const files = await Promise.all(
      SEEDS.map(async (seed) => {
        const file = join(dir, `junit-${seed}.xml`);
        await writeFile(file, renderJunit(fuzzedResult(seed), { outDirFromJobRoot: 'out' }));
        return file;
      }),
    );
    const lint = await realProcesses.capture(['xmllint', '--noout', ...files]);
    expect(lint.exitCode, lint.stderr.slice(0, 2000)).to.equal(0);
    // One test case per artifact survived, whatever its name held.
    for (const file of files.slice(0, 5)) {
      const count = await realProcesses.capture(['xmllint', '--xpath', 'count(//testcase)', file]);
      expect(Number(count.stdout.trim())).to.be.at.least(6);
    }
  });

  it(`index.html shows every hostile name as text and runs nothing, for ${SEEDS.length} seeds (Chromium)`, async () => {
    const dir = await tempDir('tb-fuzz-');
    const page = await browser!.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    for (const seed of SEEDS) {
      const result = fuzzedResult(seed);
      const html = join(dir, `${seed}`, 'index.html');
      await mkdir(join(dir, `${seed}`), { recursive: true });
      await writeFile(html, renderHtml(result));
      await page.goto(pathToFileURL(html).href);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), `seed ${seed}`).to.equal(
        undefined,
      );
      expect(await page.locator('img').count(), `seed ${seed}`).to.equal(0);
      expect(await page.locator('script').count(), `seed ${seed}`).to.equal(0);
      // Every artifact row is there, its text the name (as the browser normalises it: no NUL, CR→LF).
      const shown = await page.locator('table.artifacts tbody tr td:first-child code').allTextContents();
      expect(shown, `seed ${seed}`).to.have.length(result.packages[0]!.artifacts.length);
      for (const [i, a] of result.packages[0]!.artifacts.entries())
        expect(
          shown.some((s) => s.startsWith(`out/${i}-`)),
          `seed ${seed}: ${JSON.stringify(a.path)}`,
        ).to.equal(true);
    }
    expect(dialogs).to.deep.equal([]);
    await page.close();
  });
});
