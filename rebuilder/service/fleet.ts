// The rebuilder's workers at a glance: the queue's depth, what each worker builds
// and when it was last heard of, and how many rebuilds ended in the last hour and
// day. Shown by `rebuilder --status`, in status.json and on the status page.
import { escapeHtml as e } from '../../reports/escape.js';
import type { ServiceConfig } from './config.js';
import type { Job } from './jobs.js';
import type { WorkerRow } from './leases.js';
import { openState, type ServiceState } from './state.js';

export type Fleet = Readonly<{
  queue: Readonly<{ queued: number; due: number; running: number; reported: number; publishing: number }>;
  workers: readonly Readonly<{
    name: string;
    lastSeen: string;
    /** Heard of within two leases. */
    alive: boolean;
    /** "repository: source version" of the job it builds, or null. */
    job: string | null;
    reported: number;
  }>[];
  /** Rebuilds that ended in a verdict (verified, mismatch, conflict). */
  throughput: Readonly<{ lastHour: number; lastDay: number }>;
}>;

const HOUR = 3_600_000;

export function fleetOf(
  jobs: readonly Job[],
  workers: readonly WorkerRow[],
  ended: Readonly<{ lastHour: number; lastDay: number }>,
  now: number,
  leaseMs: number,
): Fleet {
  const count = (status: Job['status']) => jobs.filter((j) => j.status === status).length;
  const byId = new Map(jobs.map((j) => [j.id, j]));
  return {
    queue: {
      queued: count('queued'),
      due: jobs.filter((j) => j.status === 'queued' && j.nextAttemptAt <= now).length,
      running: count('running'),
      reported: count('reported'),
      publishing: count('publishing'),
    },
    workers: workers.map((w) => {
      const job = w.job === null ? undefined : byId.get(Number(w.job));
      return {
        name: w.name,
        lastSeen: new Date(Number(w.seenAt)).toISOString(),
        alive: Number(w.seenAt) >= now - 2 * leaseMs,
        job:
          job && job.status === 'running' && job.worker === w.name
            ? `${job.repository}: ${job.source} ${job.version}`
            : null,
        reported: Number(w.done),
      };
    }),
    throughput: ended,
  };
}

/** The fleet as the state holds it now. */
export async function readFleet(state: ServiceState, now: number, leaseMs: number): Promise<Fleet> {
  return fleetOf(
    await state.jobs(),
    await state.workers(),
    { lastHour: await state.endedSince(now - HOUR), lastDay: await state.endedSince(now - 24 * HOUR) },
    now,
    leaseMs,
  );
}

/** `rebuilder --status`: opens the state read-mostly (no lock: a running coordinator keeps leading). */
export async function fleetStatus(config: ServiceConfig, log: (line: string) => void, now: number): Promise<Fleet> {
  const state = await openState(config, { waitMs: 10_000, log });
  try {
    return await readFleet(state, now, config.leaseMs);
  } finally {
    await state.close();
  }
}

export function renderFleetText(fleet: Fleet): string {
  const { queue, throughput } = fleet;
  const lines = [
    `queue: ${queue.queued} queued (${queue.due} due) · ${queue.running} running · ` +
      `${queue.reported} reported · ${queue.publishing} publishing`,
    `throughput: ${throughput.lastHour} in the last hour · ${throughput.lastDay} in the last day`,
    `workers: ${fleet.workers.filter((w) => w.alive).length} alive of ${fleet.workers.length} known`,
    ...fleet.workers.map(
      (w) =>
        `  ${w.name}  ${w.alive ? 'alive' : 'silent'} · ${w.job === null ? 'idle' : `building ${w.job}`} · ` +
        `${w.reported} reported · last seen ${w.lastSeen}`,
    ),
  ];
  return lines.join('\n') + '\n';
}

export function renderFleetHtml(fleet: Fleet): string {
  const { queue, throughput } = fleet;
  const rows = fleet.workers.map(
    (w) =>
      `<tr><td><code>${e(w.name)}</code></td><td class="${w.alive ? '' : 'verdict-error'}">${w.alive ? 'alive' : 'silent'}</td>` +
      `<td>${w.job === null ? '<span class="muted">idle</span>' : e(w.job)}</td><td>${w.reported}</td><td>${e(w.lastSeen)}</td></tr>`,
  );
  return (
    `<h2>Workers</h2><p class="muted">queue: ${queue.queued} queued (${queue.due} due) · ${queue.running} running · ` +
    `${queue.reported} reported · ${queue.publishing} publishing; throughput: ${throughput.lastHour} in the last hour, ` +
    `${throughput.lastDay} in the last day</p>` +
    (rows.length === 0
      ? '<p class="muted">no worker has reported in (rebuilds run on the coordinator)</p>'
      : `<table><thead><tr><th>worker</th><th>state</th><th>building</th><th>reported</th><th>last seen</th></tr></thead>` +
        `<tbody>${rows.join('')}</tbody></table>`)
  );
}
