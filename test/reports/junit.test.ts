// junit.xml: well-formed for any input, and shaped as GitLab's parser reads it.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { renderJunit, xmlSafe } from '../../reports/junit.js';
import { BISECT_NOT_RUN, type PackageResult, type RunResult } from '../../reports/model.js';
import { checkDurationMs } from '../../reports/timeline.js';
import { check, cleanupTemp, EXAMPLES, fixture, requireOrSkip, runCli, tempDir, toolFarm, onPath } from '../helpers.js';

async function xpath(file: string, expression: string): Promise<string> {
  return (await realProcesses.capture(['xmllint', '--xpath', expression, file])).stdout.trim();
}

describe('reports/junit', function () {
  after(cleanupTemp);
  before(async function () {
    requireOrSkip(this, (await onPath('xmllint')) !== undefined, 'xmllint not installed (libxml2-utils)');
  });

  it('a difference: one failure testcase per differing artifact, with the diff and an attachment that exists', async () => {
    const run = await check(join(EXAMPLES, 'leaks-date'));
    expect(run.exitCode).to.equal(1);
    const file = join(run.out, 'junit.xml');
    expect((await realProcesses.capture(['xmllint', '--noout', file])).exitCode).to.equal(0);
    expect(await xpath(file, 'string(/testsuites/testsuite/@name)')).to.equal('leaks-date');
    expect(await xpath(file, 'count(//testcase)')).to.equal('2');
    expect(await xpath(file, 'count(//testcase[failure])')).to.equal('1');
    expect(await xpath(file, 'string(//testcase[failure]/@name)')).to.equal('out/VERSION');
    expect(await xpath(file, 'string(//testcase[failure]/@classname)')).to.equal('leaks-date');
    expect(await xpath(file, 'string(//testcase[failure]/failure)')).to.match(/built 20\d\d-/);
    const attachment = /\[\[ATTACHMENT\|(.+?)\]\]/.exec(
      await xpath(file, 'string(//testcase[failure]/system-out)'),
    )?.[1];
    expect(attachment).to.be.a('string');
    expect(existsSync(join(process.cwd(), attachment!)), `${attachment} relative to the job root`).to.equal(true);
    // The suite's time is the check's: the latest phase end, not the sum of phases
    // that overlap (diffoscope and bisect run at once).
    const pkg = (JSON.parse(await readFile(join(run.out, 'results.json'), 'utf8')) as RunResult).packages[0]!;
    const ends = Object.entries(pkg.timings).map(([phase, ms]) => pkg.phaseStarts![phase]! + ms);
    expect(Object.keys(pkg.timings)).to.include.members(['diffoscope', 'bisect']);
    const suiteSeconds = Number(await xpath(file, 'string(/testsuites/testsuite/@time)'));
    expect(suiteSeconds).to.be.closeTo(Math.max(...ends) / 1000, 0.0015);
  });

  it('an older result without phase starts: the suite time adds its phases up', () => {
    const older = { timings: { prepare: 100, build: 500, compare: 20 }, phaseStarts: null };
    const overlapping = {
      timings: { prepare: 100, build: 500, compare: 20, diffoscope: 300, bisect: 900 },
      phaseStarts: { prepare: 0, build: 100, compare: 600, diffoscope: 620, bisect: 620 },
    };
    expect(checkDurationMs(older as unknown as PackageResult)).to.equal(620);
    expect(checkDurationMs(overlapping as unknown as PackageResult)).to.equal(1520);
  });

  it('a build failure is an <error> with the log tail', async () => {
    const run = await check(await fixture('echo "compiler: bad <thing> & ]]> here"\nexit 2'));
    expect(run.exitCode).to.equal(3);
    const file = join(run.out, 'junit.xml');
    expect((await realProcesses.capture(['xmllint', '--noout', file])).exitCode).to.equal(0);
    expect(await xpath(file, 'string(//testcase/error/@type)')).to.equal('build-failed');
    expect(await xpath(file, 'string(//testcase/error)')).to.include('compiler: bad <thing> &');
  });

  it('a skipped variation is a skipped testcase that says why', async () => {
    const path = await toolFarm(['disorderfs']);
    const run = await runCli(
      ['check', join(EXAMPLES, 'reproducible'), '--build', 'sh build.sh', '--artifacts', 'out/**'],
      { env: { PATH: path } },
    );
    expect(run.exitCode).to.equal(0);
    const file = join(run.out, 'junit.xml');
    expect(await xpath(file, 'count(//testcase[skipped])')).to.equal('1');
    expect(await xpath(file, 'string(//testcase[skipped]/@name)')).to.equal('variation fileordering');
    expect(await xpath(file, 'string(//testcase[skipped]/system-out)')).to.match(/disorderfs not found/);
  });

  it('stays well-formed with control characters, lone surrogates, "]]>" and huge logs', async () => {
    const hostile = `a\u0000b\u0007c\u001b[31m ]]> <x>&amp; \uD800 tail ${'x'.repeat(50_000)}`;
    const result = {
      schema: 'twinbuild/results@3',
      tool: { name: 'twinbuild', version: '0' },
      command: 'check',
      startedAt: '',
      finishedAt: '',
      seed: 1,
      host: { hostname: 'h', platform: 'linux', arch: 'x64', kernel: 'k', cpus: 2, node: 'v20', uid: 0 },
      packages: [
        {
          name: 'p<"&>',
          source: '/s',
          verdict: 'error',
          error: { code: 'build-failed', message: hostile },
          variations: [],
          isolation: 'namespaces',
          buildPath: 'shared',
          culprits: [],
          nondeterministic: false,
          bisect: BISECT_NOT_RUN('the builds did not both succeed'),
          diffoscope: [],
          timings: {},
          artifacts: [],
          verify: null,
          recipe: null,
          knownDifferences: 0,
          diagnoses: [],
          unclassified: [],
          ruledOut: [],
          builds: {
            control: {
              exitCode: 1,
              signal: null,
              timedOut: false,
              startMs: 0,
              durationMs: 1,
              log: 'logs/c.log',
              logTail: [hostile],
              command: [],
              values: {},
            },
            experiment: null,
          },
        },
      ],
      summary: { total: 1, reproducible: 0, unreproducible: 0, error: 1, ignored: 0 },
      exitCode: 3,
      shard: null,
      baseline: null,
      incomplete: null,
      nothingChecked: null,
    } satisfies RunResult;
    const file = join(await tempDir(), 'junit.xml');
    const xml = renderJunit(result, { outDirFromJobRoot: 'out' });
    await writeFile(file, xml);
    const lint = await realProcesses.capture(['xmllint', '--noout', file]);
    expect(lint.exitCode, lint.stderr).to.equal(0);
    expect(xml.length).to.be.lessThan(20_000);
    expect(xml).to.include('truncated by twinbuild');
    expect(xmlSafe('ok ]]> ok', 100)).to.equal('ok ]]&gt; ok');
  });
});
