#!/usr/bin/env node
// The rebuilder on many machines (issue 34), measured on this one: jobs per hour
// with 1, 2 and 3 `rebuilder --worker` processes (a coordinator with
// "concurrency": 0 signing and publishing) over a private PostgreSQL 15 cluster,
// and the queue's own cost per job without the builds (bench/rebuilder-queue.mjs)
// in PostgreSQL and SQLite, in a table of 100 and of 35,000 jobs (Debian's source
// count). Writes its section of bench/RESULTS.md.
//   npm run compile && node bench/rebuilder-workers.mjs [JOBS] [CYCLES] [--no-workers] [--no-queue]
import { $, fs, os, path } from 'zx';
import pg from 'pg';
import { ROOT, TWINBUILD, cleanup, machineFacts, table, tempDir } from './lib.mjs';
import { benchKey, loadAverage, measureQueue, privateCluster, roundTrip } from './rebuilder-queue.mjs';

const args = process.argv.slice(2);
const numbers = args.filter((a) => /^\d+$/.test(a)).map(Number);
const JOBS = numbers[0] ?? 6;
const CYCLES = numbers[1] ?? 100;
const dist = (p) => import(path.join(ROOT, 'dist', p));
const { realProcesses } = await dist('adapters/process.js');

const uptime = async () => (await $`uptime`).stdout.trim().replace(/^.*load average: /, 'load ');

/** Jobs per hour with `workers` workers: JOBS tiny packages in one repository, from the first lease to the last report. */
async function throughput(cluster, uploads, key, workers) {
  const { flatRepository, repositoryConfig, serveDirectory } = await dist('test/rebuilder/service-fixtures.js');
  const dir = await tempDir('tb-bench-fleet-');
  const server = await serveDirectory(await flatRepository(path.join(dir, 'repo'), uploads));
  const database = await cluster.database();
  const common = {
    repositories: [repositoryConfig({ name: 'distro', url: `${server.url}/` })],
    pollInterval: 3600,
    state: database,
  };
  const write = async (name, config) => {
    await fs.writeFile(path.join(dir, `${name}.json`), JSON.stringify(config));
    return path.join(dir, `${name}.json`);
  };
  const started = [];
  const start = (name, argv) => {
    const controller = new AbortController();
    const done = realProcesses.run({
      argv: ['node', TWINBUILD, 'rebuilder', ...argv],
      env: process.env,
      cwd: dir,
      logFile: path.join(dir, `${name}.log`),
      signal: controller.signal,
      timeoutMs: 3_600_000,
    });
    started.push({ controller, done });
  };
  const coordinator = await write('coordinator', {
    ...common,
    work: path.join(dir, 'coordinator-work'),
    signingKey: key,
    publish: path.join(dir, 'publish'),
    concurrency: 0,
  });
  start('coordinator', ['--config', coordinator]);
  for (let i = 1; i <= workers; i++)
    start(`worker${i}`, [
      '--worker',
      '--config',
      await write(`worker${i}`, { ...common, work: path.join(dir, `worker${i}-work`), concurrency: 1 }),
    ]);
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  const loads = [];
  try {
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      loads.push(os.loadavg()[0]);
      const ended = await Promise.race([
        ...started.map((s) => s.done.then(() => true)),
        new Promise((r) => setTimeout(() => r(false), 0)),
      ]);
      if (ended) throw new Error(`a rebuilder process ended early: see ${dir}/*.log`);
      const { rows } = await client
        .query(`SELECT COUNT(*)::int AS n FROM jobs WHERE status IN ('verified', 'mismatch', 'failed')`)
        .catch(() => ({ rows: [{ n: 0 }] }));
      if (rows[0].n === JOBS) break;
    }
    const { rows: attempts } = await client.query(
      `SELECT a.started_at::float8 AS s, a.ended_at::float8 AS e, a.outcome, j.status, j.updated_at::float8 AS u ` +
        `FROM attempts a JOIN jobs j ON j.id = a.job`,
    );
    const failed = attempts.filter((a) => a.status !== 'verified');
    if (failed.length > 0) throw new Error(`not every job verified: ${JSON.stringify(failed)}`);
    if (attempts.length !== JOBS) throw new Error(`${attempts.length} attempts for ${JOBS} jobs`);
    // From the first lease to the last job finished (published) by the coordinator.
    const first = Math.min(...attempts.map((a) => a.s));
    const last = Math.max(...attempts.map((a) => a.u));
    const build = attempts.map((a) => a.e - a.s).reduce((x, y) => x + y, 0) / attempts.length;
    return {
      workers,
      seconds: (last - first) / 1000,
      perHour: (JOBS * 3_600_000) / (last - first),
      build: build / 1000,
      load: (loads.reduce((x, y) => x + y, 0) / loads.length).toFixed(2),
    };
  } finally {
    for (const s of started) s.controller.abort();
    await Promise.all(started.map((s) => s.done));
    await client.end().catch(() => {});
    await server.close();
  }
}

const facts = await machineFacts();
const before = await uptime();
const key = await benchKey();
const cluster = await privateCluster();
const sections = [];
try {
  if (!args.includes('--no-queue')) {
    const rows = [];
    const ceilings = [];
    const trips = [];
    for (const size of [100, 35_000])
      for (const kind of ['PostgreSQL', 'SQLite']) {
        const dir = await tempDir('tb-bench-queue-');
        const target =
          kind === 'SQLite'
            ? { state: path.join(dir, 'state'), database: null }
            : { state: path.join(dir, 'work'), database: await cluster.database() };
        const load = loadAverage();
        if (target.database !== null) {
          const { select, commit } = await roundTrip(target.database);
          trips.push(
            `${size.toLocaleString('en')} jobs: SELECT 1 ${select.toFixed(2)} ms, an INSERT committed alone ${commit.toFixed(2)} ms`,
          );
        }
        const ops = await measureQueue({ target, rows: size, cycles: CYCLES, key, publish: path.join(dir, 'publish') });
        const sum = (names, of) => names.reduce((total, n) => total + ops[n][of], 0);
        const statements = [
          'lease',
          'renew',
          'report',
          'expire leases',
          'reported',
          'report files: state',
          'conflict check + staged',
          'finish',
        ];
        const files = ['report files: disk', 'sign link', 'stage (fsync)', 'rename into place'];
        const both = (names) => `${sum(names, 'median').toFixed(1)} / ${sum(names, 'mean').toFixed(1)} ms`;
        // The coordinator settles every job, one after another: its share bounds the fleet's throughput.
        const coordinatorShare = sum(
          ['expire leases', 'reported', 'report files: state', 'conflict check + staged', 'finish', ...files],
          'median',
        );
        ceilings.push(
          `${kind}, ${size.toLocaleString('en')} jobs: ${coordinatorShare.toFixed(1)} ms a job, ` +
            `at most ${Math.round(3_600_000 / coordinatorShare).toLocaleString('en')} jobs an hour`,
        );
        rows.push([
          kind,
          size.toLocaleString('en'),
          both(statements),
          ops['round trips'] ? String(ops['round trips'].mean) : '(in-process)',
          both(files),
          both([...statements, ...files]),
          load,
        ]);
        console.log(kind, size, JSON.stringify(ops));
      }
    sections.push(
      `### The queue's own cost per job (\`bench/rebuilder-queue.mjs\`, ${CYCLES} jobs one after another)\n\n` +
        table(
          [
            'store',
            'jobs in the table',
            'state statements: median / mean (lease, renew, report, settle, finish)',
            'round trips',
            'publishing files: median / mean (reports, sign, stage, rename)',
            'total: median / mean',
            'load before (1, 5, 15 min)',
          ],
          rows,
        ) +
        `\n\nThe coordinator's share (settling a report: its statements and files, medians), which no number of ` +
        `workers shortens:\n\n${ceilings.map((c) => `- ${c}`).join('\n')}` +
        `\n\nOne statement to PostgreSQL, measured just before each PostgreSQL row:\n\n${trips.map((t) => `- ${t}`).join('\n')}`,
    );
  }
  if (!args.includes('--no-workers')) {
    const { officialUpload } = await dist('test/rebuilder/service-fixtures.js');
    const uploads = [];
    for (let i = 1; i <= JOBS; i++) uploads.push(await officialUpload(`benchjob${i}`));
    const rows = [];
    for (const workers of [1, 2, 3]) {
      const r = await throughput(cluster, uploads, key, workers);
      console.log(JSON.stringify(r));
      rows.push([
        String(workers),
        String(JOBS),
        `${r.seconds.toFixed(1)} s`,
        `${r.build.toFixed(1)} s`,
        String(Math.round(r.perHour)),
        `${(35_000 / r.perHour / 24).toFixed(1)} days`,
        r.load,
      ]);
    }
    sections.push(
      '### Jobs per hour (a coordinator with `"concurrency": 0` and N `rebuilder --worker`, ' +
        'each `"concurrency": 1`, PostgreSQL)\n\n' +
        table(
          [
            'workers',
            'jobs',
            'first lease → last published',
            'rebuild per job (mean)',
            'jobs per hour',
            '35,000 such jobs',
            'mean 1-min load',
          ],
          rows,
        ),
    );
  }
} finally {
  await cluster.stop();
  await cleanup();
  const { cleanupTemp } = await dist('test/helpers.js');
  await cleanupTemp();
}

const md = `
## ${facts.date}: the rebuilder's queue and workers (issue 34, \`node bench/rebuilder-workers.mjs\`)

${facts.cpu}, ${facts.cores} cores shared with other work, ${facts.memory}; PostgreSQL 15 (a private cluster,
default settings: every commit waits for its WAL flush), better-sqlite3 (WAL, synchronous=FULL).
\`uptime\` before: ${before}; after: ${await uptime()}.

${sections.join('\n\n')}
`;
console.log(md);
await fs.appendFile(path.join(ROOT, 'bench', 'RESULTS.md'), md);
