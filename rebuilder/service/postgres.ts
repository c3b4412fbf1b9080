// The state in PostgreSQL ("state": "postgres://…"), for a coordinator and
// workers on many machines: the client is node-postgres (pg), loaded only when a
// config names a database. A connection lost (PostgreSQL restarted, the network
// down) is waited out: a statement is sent again until `waitMs` has passed, so
// every statement of state.ts is written to be safe to repeat.
import { hostname } from 'node:os';
import type { Client, Pool, PoolClient, QueryResult } from 'pg';
import { TwinbuildError } from '../../core/errors.js';
import type { Sql, Statements } from './sql.js';

type Pg = (typeof import('pg'))['default'];

async function loadPg(): Promise<Pg> {
  try {
    return (await import('pg')).default;
  } catch (cause) {
    throw new TwinbuildError(
      'setup-failed',
      `a PostgreSQL state needs the pg package, which cannot be loaded here (${(cause as Error).message.split('\n')[0]}); ` +
        `install it with npm install pg@8`,
      { cause },
    );
  }
}

/** The URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.href;
  } catch {
    return 'postgres://(unparsable)';
  }
}

/** Errors after which the same statement (or transaction) may succeed: PostgreSQL back, or a deadlock broken. */
export function transient(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    (typeof code === 'string' &&
      (/^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOENT)$/.test(code) ||
        /^(08|57P0[123]|53300|40P01|40001)/.test(code))) ||
    /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/.test(
      String(message),
    )
  );
}

const numbers = (pg: Pg) => ({
  // int8 (ids, times in ms) as numbers: every value the state keeps is far below 2^53.
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
});

/** `?` placeholders (state.ts's, shared with SQLite) as PostgreSQL's $1, $2…; no statement has a literal `?`. */
const numbered = (text: string) => {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
};

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

export type PostgresOptions = Readonly<{
  /** How long a lost connection is waited for before a statement fails. */
  waitMs: number;
  log: (line: string) => void;
}>;

/** Runs `attempt` again while it fails with a connection error, for up to `waitMs` (one log line per outage). */
async function patiently<T>(attempt: () => Promise<T>, url: string, options: PostgresOptions): Promise<T> {
  const started = Date.now();
  let said = false;
  for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
    try {
      const result = await attempt();
      if (said) options.log(`PostgreSQL ${redactUrl(url)} is back`);
      return result;
    } catch (error) {
      if (!transient(error) || Date.now() - started > options.waitMs) throw error;
      if (!said) options.log(`PostgreSQL ${redactUrl(url)} unreachable (${(error as Error).message}); waiting for it`);
      said = true;
      await pause(delay);
    }
  }
}

const statementsOf = (query: (text: string, params: unknown[]) => Promise<QueryResult>): Statements => ({
  all: async <T>(text: string, params: readonly unknown[] = []) =>
    (await query(numbered(text), [...params])).rows as T[],
  run: async (text, params = []) => (await query(numbered(text), [...params])).rowCount ?? 0,
});

/** A pool of connections to `url`; the first connection is made here, so a wrong URL fails at once (exit 3). */
export async function postgresSql(url: string, options: PostgresOptions): Promise<Sql> {
  const pg = await loadPg();
  const pool: Pool = new pg.Pool({
    connectionString: url,
    max: 4,
    types: numbers(pg),
    connectionTimeoutMillis: 10_000,
  });
  // Note: an idle connection that PostgreSQL closes emits 'error' on the pool; the next statement simply reconnects.
  pool.on('error', () => {});
  try {
    await patiently(() => pool.query('SELECT 1'), url, { ...options, waitMs: Math.min(options.waitMs, 10_000) });
  } catch (cause) {
    await pool.end();
    throw new TwinbuildError(
      'setup-failed',
      `cannot use the PostgreSQL state ${redactUrl(url)}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const direct = statementsOf((text, params) => pool.query(text, params));
  return {
    dialect: 'postgres',
    all: (text, params) => patiently(() => direct.all(text, params), url, options),
    run: (text, params) => patiently(() => direct.run(text, params), url, options),
    transaction: (body) =>
      patiently(
        async () => {
          const client: PoolClient = await pool.connect();
          let broken: Error | undefined;
          try {
            await client.query('BEGIN');
            const result = await body(statementsOf((text, params) => client.query(text, params)));
            await client.query('COMMIT');
            return result;
          } catch (error) {
            broken = error as Error;
            await client.query('ROLLBACK').catch(() => {});
            throw error;
          } finally {
            client.release(broken !== undefined && transient(broken) ? broken : undefined);
          }
        },
        url,
        options,
      ),
    close: () => pool.end(),
  };
}

/** The leading coordinator, while it leads: its lock dies with its connection (the process killed, the machine lost). */
export type Leadership = Readonly<{
  /** Aborted when the connection holding the lock is lost: another coordinator may lead from then on. */
  lost: AbortSignal;
  release: () => Promise<void>;
}>;

// Note: one advisory lock per database ('twnb', 1): every coordinator of a database shares its queue.
const LOCK = [0x74776e62, 1] as const;

/**
 * Leads the database's coordinators: takes its advisory lock on a connection of its own, or, while another
 * holds it, waits (one line naming the holder) until it is free or `signal` stops the wait (null).
 */
export async function leadPostgres(
  url: string,
  options: PostgresOptions,
  signal: AbortSignal,
): Promise<Leadership | null> {
  const pg = await loadPg();
  let waiting = false;
  while (!signal.aborted) {
    const client: Client = new pg.Client({ connectionString: url, types: numbers(pg) });
    const lost = new AbortController();
    let released = false;
    client.on('error', (error) => released || lost.abort(error));
    client.on('end', () => released || lost.abort(new Error('the connection holding the coordinator lock ended')));
    try {
      await patiently(() => client.connect(), url, options);
      const [row] = (await client.query('SELECT pg_try_advisory_lock($1, $2) AS ok', [...LOCK])).rows as {
        ok: boolean;
      }[];
      if (row?.ok) {
        await client.query(
          `INSERT INTO leader (id, pid, host, since) VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET ` +
            `pid = excluded.pid, host = excluded.host, since = excluded.since`,
          [process.pid, hostname(), Date.now()],
        );
        return {
          lost: lost.signal,
          release: () => {
            released = true;
            return client.end().catch(() => {});
          },
        };
      }
      if (!waiting) {
        const [holder] = (await client.query('SELECT pid, host FROM leader WHERE id = 1')).rows as {
          pid: number;
          host: string;
        }[];
        options.log(
          `another coordinator leads ${redactUrl(url)} (${holder ? `pid ${holder.pid} on ${holder.host}` : 'unknown'}); waiting to lead`,
        );
        waiting = true;
      }
    } catch (error) {
      if (!transient(error)) {
        await client.end().catch(() => {});
        throw error;
      }
    }
    await client.end().catch(() => {});
    await new Promise<void>((done) => {
      const timer = setTimeout(done, 1000);
      signal.addEventListener('abort', () => (clearTimeout(timer), done()), { once: true });
    });
  }
  return null;
}
