// The rebuilder's queue (issue 34) without the builds: what one job costs in
// lease, renew, report, and the coordinator's settling (report files written,
// link signed, staged, conflict check, renamed into place, finished), timed
// operation by operation against the real state modules (dist/, `npm run compile`
// first), in SQLite and in a private PostgreSQL 15 cluster (initdb as nobody).
// The table around the cycled jobs holds `rows` jobs (most verified, as after a
// first run over a distribution), so a statement that reads the whole table shows.
import { createHash } from 'node:crypto';
import { $, fs, os, path } from 'zx';
import Database from 'better-sqlite3';
import pg from 'pg';
import { ROOT, tempDir } from './lib.mjs';

const dist = (p) => import(path.join(ROOT, 'dist', p));
const { openState } = await dist('rebuilder/service/state.js');
const { conflictOf } = await dist('rebuilder/service/conflicts.js');
const { stageLinks, completePublishing } = await dist('rebuilder/service/publish.js');
const { writeRebuildLink } = await dist('attest/link.js');
const { generateSigningKey } = await dist('attest/keys.js');

const BIN = '/usr/lib/postgresql/15/bin';
const sha = (s) => createHash('sha256').update(s).digest('hex');

/** A private PostgreSQL cluster (as test/rebuilder/postgres-cluster.ts makes one); stop() stops it. */
export async function privateCluster() {
  const dir = await tempDir('tb-bench-pg-');
  await fs.chown(dir, 65534, 65534);
  const data = path.join(dir, 'data');
  const asNobody = (...argv) => $({ cwd: dir })`/usr/sbin/runuser -u nobody -- ${argv}`;
  await asNobody(path.join(BIN, 'initdb'), '-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=200`;
  await asNobody(path.join(BIN, 'pg_ctl'), '-D', data, '-l', path.join(dir, 'log'), '-o', options, '-w', 'start');
  let made = 0;
  const url = (name) => `postgres://postgres@127.0.0.1:${port}/${name}`;
  return {
    database: async () => {
      const name = `bench_${++made}`;
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      await client.query(`CREATE DATABASE ${name}`);
      await client.end();
      return url(name);
    },
    stop: () => asNobody(path.join(BIN, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop'),
  };
}

/** A Debian-like job: a .dsc, its two tarballs, two binaries. */
const specOf = (i) => {
  const source = `pkg${i}`;
  const file = (p) => ({ path: p, sha256: sha(p), size: 1000 + i });
  return {
    repository: 'distro',
    format: 'apt',
    source,
    version: '1.0-1',
    sourceFiles: [`${source}_1.0-1.dsc`, `${source}_1.0.orig.tar.xz`, `${source}_1.0-1.debian.tar.xz`].map((p) =>
      file(`pool/main/${source}/${p}`),
    ),
    binaries: [source, `${source}-doc`].map((b) => ({
      package: b,
      version: '1.0-1',
      architecture: 'all',
      ...file(`pool/main/${source}/${b}_1.0-1_all.deb`),
    })),
  };
};

/** Raw SQL on the state, for setting up the table (the state module has no "mark verified" of its own). */
async function rawSql(target) {
  if (target.database === null) {
    const db = new Database(path.join(target.state, 'state.db'));
    return { run: async (text) => void db.exec(text), close: async () => db.close() };
  }
  const client = new pg.Client({ connectionString: target.database });
  await client.connect();
  return { run: async (text) => void (await client.query(text)), close: () => client.end() };
}

/** Adds the time `body` takes to `op`'s time in cycle `times.cycle`. */
const time = async (times, op, body) => {
  const started = performance.now();
  const result = await body();
  const spent = (times[op] ??= []);
  spent[times.cycle] = (spent[times.cycle] ?? 0) + performance.now() - started;
  return result;
};

/**
 * `cycles` jobs through the whole queue one after another, in a table of `rows` jobs; returns mean ms per
 * operation. Worker and coordinator each hold their own state handle, as separate processes would.
 */
export async function measureQueue({ target, rows, cycles, key, publish }) {
  await fs.mkdirp(target.state);
  const noop = () => {};
  const coordinator = await openState(target, { waitMs: 60_000, log: noop });
  const worker = await openState(target, { waitMs: 60_000, log: noop });
  const specs = Array.from({ length: rows }, (_, i) => specOf(i));
  await coordinator.enqueue(specs, 0);
  // All but the cycled jobs verified, each with its links published: a distribution after its first run.
  const raw = await rawSql(target);
  await raw.run(
    `UPDATE jobs SET status = 'verified', finished_at = 1, published = '["sources/' || source || '/1.0-1/metadata"]' ` +
      `WHERE id > ${cycles}`,
  );
  await raw.run(
    `INSERT INTO link_paths (path, job) SELECT 'sources/' || source || '/1.0-1/metadata', id FROM jobs WHERE id > ${cycles}`,
  );
  await raw.close();
  const name = `bench:${process.pid}`;
  await worker.hello(name, 1);
  const files = [
    ['results.json', Buffer.alloc(8_000, 'r')],
    ['index.html', Buffer.alloc(20_000, 'h')],
  ];
  const times = { cycle: 0 };
  // Statements sent to PostgreSQL (each a round trip, BEGIN and COMMIT included), counted over the cycles.
  let sent = 0;
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (...args) {
    sent += 1;
    return query.apply(this, args);
  };
  const work = await tempDir('tb-bench-work-');
  for (let c = 0; c < cycles; c++) {
    times.cycle = c;
    const now = Date.now();
    const job = await time(times, 'lease', () => worker.lease(name, now, now + 60_000));
    if (job === null) throw new Error(`cycle ${c}: no job to lease`);
    await time(times, 'renew', () => worker.renew(job.id, name, now, now + 60_000));
    const link = {
      name: 'rebuild',
      materials: Object.fromEntries(job.spec.sourceFiles.map((f) => [path.basename(f.path), { sha256: f.sha256 }])),
      products: Object.fromEntries(job.spec.binaries.map((b) => [path.basename(b.path), { sha256: b.sha256 }])),
      command: ['dpkg-buildpackage', '-b'],
      byproducts: {},
    };
    const report = { verdict: 'verified', error: null, link };
    const held = await time(times, 'report', () => worker.report(job.id, name, report, files, Date.now()));
    if (!held) throw new Error(`cycle ${c}: the report was refused`);
    // The coordinator's side (service.ts settleReport), statement by statement.
    await time(times, 'expire leases', () => coordinator.expireLeases(Date.now()));
    const [[mine]] = await time(times, 'reported', () => coordinator.reported());
    const reportDir = path.join(publish, 'reports', String(mine.id));
    const reportFiles = await time(times, 'report files: state', () => coordinator.reportFiles(mine.id));
    await time(times, 'report files: disk', async () => {
      for (const f of reportFiles) {
        await fs.mkdirp(reportDir);
        await fs.writeFile(path.join(reportDir, f.path), f.content);
      }
    });
    await time(times, 'report files: state', () => coordinator.setReportDir(mine.id, reportDir));
    const linkDir = path.join(work, String(mine.id));
    const keyid = await time(
      times,
      'sign link',
      async () => (await writeRebuildLink({ outDir: linkDir, signingKeyPath: key, ...link })).keyid,
    );
    const linkBytes = await fs.readFile(path.join(linkDir, `rebuild.${keyid.slice(0, 8)}.link`));
    const statementName = `rebuild.${keyid.slice(0, 8)}.dsse.json`;
    const statement = await fs.readFile(path.join(linkDir, statementName));
    const pairs = await time(times, 'stage (fsync)', () =>
      stageLinks(publish, mine.id, linkBytes, statement, statementName, mine.spec.binaries),
    );
    const conflict = await time(times, 'conflict check + staged', () =>
      coordinator.stageUnlessConflict(mine.id, pairs, Date.now(), conflictOf),
    );
    if (conflict !== null) throw new Error(`cycle ${c}: ${conflict}`);
    const published = await time(times, 'rename into place', () => completePublishing(publish, pairs));
    await time(times, 'finish', () => coordinator.finish(mine.id, 'verified', published, Date.now()));
    await fs.rm(linkDir, { recursive: true, force: true });
  }
  pg.Client.prototype.query = query;
  await worker.close();
  await coordinator.close();
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  delete times.cycle;
  const roundTrips = { mean: sent / cycles, median: sent / cycles };
  return Object.fromEntries([
    ...Object.entries(times).map(([op, xs]) => [op, { mean: mean(xs), median: median(xs) }]),
    ...(target.database === null ? [] : [['round trips', roundTrips]]),
  ]);
}

/** The mean time of one `SELECT 1` to `url` and of one INSERT committed alone: what each statement costs here and now. */
export async function roundTrip(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE TEMPORARY TABLE probe (x int)');
    const mean = async (text) => {
      const started = performance.now();
      for (let i = 0; i < 100; i++) await client.query(text);
      return (performance.now() - started) / 100;
    };
    return { select: await mean('SELECT 1'), commit: await mean('INSERT INTO probe VALUES (1)') };
  } finally {
    await client.end();
  }
}

/** A signing key in a temp dir (what `twinbuild keygen` writes). */
export async function benchKey() {
  const dir = await tempDir('tb-bench-key-');
  const key = generateSigningKey();
  const file = path.join(dir, 'rebuilder');
  await fs.writeFile(file, key.privatePem, { mode: 0o600 });
  return file;
}

export const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
