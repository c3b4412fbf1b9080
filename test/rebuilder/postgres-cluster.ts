// A private PostgreSQL 15 cluster for the rebuilder's tests: initdb and pg_ctl
// (Debian's postgresql, /usr/lib/postgresql/15/bin) run as nobody, the tests being
// root, in a temp dir nobody owns, listening on a random 127.0.0.1 port with its
// unix socket inside that dir. Each test takes a database of its own; stop() in
// after() leaves nothing running.
import { existsSync } from 'node:fs';
import { chown, readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { expect } from 'chai';
import { realProcesses } from '../../adapters/process.js';
import { requireOrSkip, tempDir } from '../helpers.js';

const BIN = '/usr/lib/postgresql/15/bin';
const NOBODY = 65534;

export const postgresInstalled = () => existsSync(join(BIN, 'pg_ctl')) && existsSync('/usr/sbin/runuser');

export type Cluster = Readonly<{
  port: number;
  /** A new, empty database's URL. */
  database: () => Promise<string>;
  /** pg_ctl start (after a pause()). */
  start: () => Promise<void>;
  /** pg_ctl stop -m fast: every connection is closed. */
  pause: () => Promise<void>;
  /** Stops the cluster for good (after()). */
  stop: () => Promise<void>;
}>;

const freePort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });

export async function startCluster(): Promise<Cluster> {
  const dir = await tempDir('tb-pg-');
  await chown(dir, NOBODY, NOBODY);
  const data = join(dir, 'data');
  const asNobody = async (...argv: string[]) => {
    const ran = await realProcesses.capture(['/usr/sbin/runuser', '-u', 'nobody', '--', ...argv], {
      cwd: dir,
      timeoutMs: 120_000,
    });
    expect(
      ran.exitCode,
      `${argv.join(' ')}: ${ran.stderr}${await readFile(join(dir, 'log'), 'utf8').catch(() => '')}`,
    ).to.equal(0);
  };
  await asNobody(join(BIN, 'initdb'), '-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync');
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=200`;
  const start = () =>
    asNobody(join(BIN, 'pg_ctl'), '-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '60', 'start');
  const pause = () => asNobody(join(BIN, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', '-t', '60', 'stop');
  await start();
  let made = 0;
  const url = (name: string) => `postgres://postgres@127.0.0.1:${port}/${name}`;
  return {
    port,
    database: async () => {
      const name = `tb_${++made}`;
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    start,
    pause,
    stop: async () => {
      if (existsSync(join(data, 'postmaster.pid'))) await pause();
    },
  };
}

export type StoreKind = 'SQLite' | 'PostgreSQL';
export const STORES: readonly StoreKind[] = ['SQLite', 'PostgreSQL'];

export type StoreFixture = Readonly<{
  kind: StoreKind;
  /** The config keys that put the state of the test dir `dir` in this store (one database per dir). */
  config: (dir: string) => Promise<Record<string, unknown>>;
  /** Rows of a statement on the state of `dir` (the same SQL on either store). */
  query: <T = Record<string, unknown>>(dir: string, text: string) => Promise<T[]>;
  cluster: () => Cluster;
}>;

/**
 * The state store a describe() runs against: SQLite in DIR/state, or a database of a private cluster that this
 * call's before() starts and after() stops (call it before registering after(cleanupTemp)).
 */
export function stateStore(kind: StoreKind): StoreFixture {
  let cluster: Cluster | undefined;
  const databases = new Map<string, string>();
  if (kind === 'PostgreSQL') {
    before(async function () {
      requireOrSkip(this, postgresInstalled(), `PostgreSQL 15 (${BIN}) and runuser are not installed`);
      cluster = await startCluster();
    });
    after(async () => {
      await cluster?.stop();
    });
  }
  const databaseOf = async (dir: string) => {
    if (!databases.has(dir)) databases.set(dir, await cluster!.database());
    return databases.get(dir)!;
  };
  return {
    kind,
    config: async (dir) => (kind === 'SQLite' ? {} : { state: await databaseOf(dir), work: join(dir, 'state') }),
    query: async <T>(dir: string, text: string) => {
      if (kind === 'SQLite') {
        const db = new Database(join(dir, 'state', 'state.db'));
        try {
          const statement = db.prepare(text);
          return (statement.reader ? statement.all() : (statement.run(), [])) as T[];
        } finally {
          db.close();
        }
      }
      const client = new pg.Client({ connectionString: await databaseOf(dir) });
      await client.connect();
      try {
        return (await client.query(text)).rows as T[];
      } finally {
        await client.end();
      }
    },
    cluster: () => cluster!,
  };
}
