// `twinbuild rebuilder --worker`: on any number of machines, each worker takes a
// due job from the shared state (a lease it renews while it builds), rebuilds it
// in the sandbox, and reports the verdict, the link's contents (materials and
// product hashes) and its report files back. It never holds the signing key and
// publishes nothing: the coordinator signs and publishes. A worker killed (or its
// machine lost) stops renewing; its lease expires and another worker takes the
// job. PostgreSQL away for a while is waited out (postgres.ts).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ServiceConfig } from './config.js';
import type { ServiceDeps } from './deps.js';
import { rebuildJob } from './rebuild.js';
import { openState, type Job, type ServiceState, type WorkerReport } from './state.js';

export type WorkerOutcome = { reported: number; lost: number };

/** The most of a job's report files a worker sends back (the rest is left out, and said so). */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;
const IDLE_MS = 500;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((done) => {
    if (signal.aborted) return done();
    const stop = () => {
      clearTimeout(timer);
      done();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      done();
    }, ms);
    signal.addEventListener('abort', stop, { once: true });
  });

async function reportFiles(dir: string): Promise<[string, Buffer][]> {
  const names = (await readdir(dir, { recursive: true }).catch(() => [] as string[])).sort();
  const files: [string, Buffer][] = [];
  let total = 0;
  for (const name of names) {
    const info = await stat(join(dir, name));
    if (!info.isFile()) continue;
    total += info.size;
    if (total > MAX_REPORT_BYTES) {
      files.push([`${name}.omitted.txt`, Buffer.from(`left out: the report exceeded ${MAX_REPORT_BYTES} bytes\n`)]);
      continue;
    }
    files.push([name, await readFile(join(dir, name))]);
  }
  return files;
}

export type WorkerSettings = Pick<
  ServiceConfig,
  'repositories' | 'fetchTimeoutMs' | 'maxIndexBytes' | 'state' | 'database' | 'leaseMs'
>;

// Note: the lease is renewed every third of its length, so one late renewal does not lose it.
async function buildOne(
  state: ServiceState,
  job: Job,
  name: string,
  config: WorkerSettings,
  deps: ServiceDeps,
): Promise<boolean> {
  const now = deps.now ?? Date.now;
  const lost = new AbortController();
  const signal = AbortSignal.any([deps.signal, lost.signal]);
  const renewing = setInterval(() => {
    state.renew(job.id, name, now(), now() + config.leaseMs).then(
      (held) => held || lost.abort(new Error('lease lost')),
      () => {},
    );
  }, config.leaseMs / 3);
  const work = join(config.state, 'work', `worker-${job.id}`);
  const reportDir = join(work, 'report');
  const label = `${job.spec.repository}: ${job.spec.source} ${job.spec.version} (attempt ${job.attempts})`;
  deps.log(`${label}: verifying`);
  let report: WorkerReport;
  try {
    const { result, link } = await rebuildJob(job, config, { ...deps, signal }, join(work, 'build'), reportDir, null);
    report = {
      verdict: result.verdict === 'verified' || result.verdict === 'mismatch' ? result.verdict : 'error',
      error: result.error ? `${result.error.code}: ${result.error.message}` : null,
      link,
    };
  } catch (error) {
    report = { verdict: 'error', error: error instanceof Error ? error.message : String(error), link: null };
  } finally {
    clearInterval(renewing);
  }
  try {
    if (lost.signal.aborted) {
      deps.log(`${label}: its lease expired and the job went to another worker; nothing reported`);
      return false;
    }
    if (deps.signal.aborted) {
      await state.giveBack(job.id, name, now());
      deps.log(`${label}: stopped, given back to the queue`);
      return false;
    }
    const held = await state.report(job.id, name, report, await reportFiles(reportDir), now());
    deps.log(held ? `${label}: reported ${report.verdict}` : `${label}: its lease expired; nothing reported`);
    return held;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Takes jobs until stopped (or, `once`, until none is due), `concurrency` at a time. */
export async function runWorker(
  config: WorkerSettings & Pick<ServiceConfig, 'concurrency'>,
  deps: ServiceDeps,
  mode: Readonly<{ once: boolean }>,
): Promise<WorkerOutcome> {
  const now = deps.now ?? Date.now;
  // Note: with SQLite, a worker may start before the coordinator has made the state directory.
  await mkdir(config.state, { recursive: true });
  const state = await openState(config, { waitMs: Number.MAX_SAFE_INTEGER, log: deps.log });
  const name = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const outcome: WorkerOutcome = { reported: 0, lost: 0 };
  try {
    await state.hello(name, now());
    deps.log(`worker ${name} ready`);
    let heard = now();
    const slot = async (): Promise<void> => {
      while (!deps.signal.aborted) {
        const job = await state.lease(name, now(), now() + config.leaseMs);
        if (job === null) {
          if (mode.once) return;
          // Note: idle, it is still heard of every third of a lease (the status page's "alive").
          if (now() - heard > config.leaseMs / 3) await state.hello(name, (heard = now()));
          await sleep(IDLE_MS, deps.signal);
          continue;
        }
        if (await buildOne(state, job, name, config, deps)) outcome.reported += 1;
        else outcome.lost += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.max(config.concurrency, 1) }, slot));
  } finally {
    await state.close();
  }
  return outcome;
}
