// The one seam between the service's state (state.ts) and a database: a few
// async calls that SQLite (better-sqlite3, one machine, the default) and
// PostgreSQL (pg, many machines: postgres.ts) both answer. Statements are written
// once, with `?` placeholders; a transaction is all-or-nothing on either.
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { TwinbuildError } from '../../core/errors.js';

export type Row = Record<string, unknown>;

/** Statements in a transaction (or outside one): rows, or how many rows changed. */
export type Statements = Readonly<{
  all: <T = Row>(text: string, params?: readonly unknown[]) => Promise<T[]>;
  run: (text: string, params?: readonly unknown[]) => Promise<number>;
}>;

export type Sql = Statements &
  Readonly<{
    dialect: 'sqlite' | 'postgres';
    /** `body`'s statements commit together, or none do (an error rolls back and is thrown again). */
    transaction: <T>(body: (tx: Statements) => Promise<T>) => Promise<T>;
    close: () => Promise<void>;
  }>;

// Loaded when the service opens its state, not with the CLI: only the rebuilder
// needs this native addon, so an install that skipped compiling it (npm install
// --ignore-scripts, as the CI templates do) runs every other command.
export function loadSqlite(): typeof BetterSqlite3 {
  try {
    return createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  } catch (cause) {
    const why = (cause as Error).message.split('\n')[0];
    throw new TwinbuildError(
      'setup-failed',
      `the rebuilder service keeps its state with the better-sqlite3 package, which ` +
        `cannot be loaded here (${why}); install it (with its build step) with npm ` +
        `install better-sqlite3@12`,
    );
  }
}

/** The addon's native half loads on the first `new Database`, not on require: an install with --ignore-scripts lacks it. */
function nativeMissing(cause: unknown): boolean {
  const error = cause as NodeJS.ErrnoException;
  return (
    error.code === 'ERR_DLOPEN_FAILED' ||
    /Could not locate the bindings file|NODE_MODULE_VERSION|invalid ELF header/.test(String(error.message))
  );
}

export function openDatabase(file: string): BetterSqlite3.Database {
  const Database = loadSqlite();
  try {
    return new Database(file);
  } catch (cause) {
    if (!nativeMissing(cause)) throw cause;
    throw new TwinbuildError(
      'setup-failed',
      `the rebuilder service keeps its state with better-sqlite3, whose native binary is not built ` +
        `here (installed with --ignore-scripts, or for another Node version): run npm rebuild ` +
        `better-sqlite3 where twinbuild is installed (it compiles SQLite when no prebuilt binary is reachable)`,
      { cause },
    );
  }
}

// Note: WAL with synchronous=FULL: a committed transaction survives a kill -9 (and a power cut).
// better-sqlite3 is synchronous; its calls are queued one after another, so a
// transaction's statements never interleave with another caller's across an await.
export function sqliteSql(file: string): Sql {
  const db = openDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  const direct: Statements = {
    all: <T>(text: string, params: readonly unknown[] = []) => {
      const statement = db.prepare(text);
      return Promise.resolve(statement.reader ? (statement.all(...params) as T[]) : (statement.run(...params), []));
    },
    run: (text, params = []) => Promise.resolve(db.prepare(text).run(...params).changes),
  };
  let tail: Promise<unknown> = Promise.resolve();
  const queued = <T>(work: () => Promise<T>): Promise<T> => {
    const done = tail.then(work);
    tail = done.catch(() => {});
    return done;
  };
  return {
    dialect: 'sqlite',
    all: (text, params) => queued(() => direct.all(text, params)),
    run: (text, params) => queued(() => direct.run(text, params)),
    transaction: (body) =>
      queued(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await body(direct);
          db.exec('COMMIT');
          return result;
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw error;
        }
      }),
    close: () =>
      queued(() => {
        db.close();
        return Promise.resolve();
      }),
  };
}
