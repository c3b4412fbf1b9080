// Sharding a sweep across CI nodes: each package goes to the shard its name
// hashes to, so adding or removing a package never moves any other one.
import { createHash } from 'node:crypto';
import { usageError } from '../core/errors.js';

export type Shard = Readonly<{ index: number; total: number }>;

/** `--shard I/N` (1-based, as GitLab's CI_NODE_INDEX), else CI_NODE_INDEX/CI_NODE_TOTAL, else none. */
export function parseShard(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): Shard | null {
  const text =
    flag ??
    (env['CI_NODE_INDEX'] && env['CI_NODE_TOTAL'] ? `${env['CI_NODE_INDEX']}/${env['CI_NODE_TOTAL']}` : undefined);
  if (text === undefined) return null;
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const [index, total] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!match || total < 1 || index < 1 || index > total) {
    throw usageError(
      `--shard expects I/N with 1 ≤ I ≤ N (e.g. 2/4)${flag === undefined ? ', from CI_NODE_INDEX/CI_NODE_TOTAL' : ''}, got "${text}"`,
    );
  }
  return { index, total };
}

// Note: hashing (not sorting and dealing out) keeps assignments stable as the
// repository grows; shard sizes then vary by about √(packages/shards).
export function shardOf(name: string, total: number): number {
  return (createHash('sha256').update(name).digest().readUInt32BE(0) % total) + 1;
}

export const inShard = (name: string, shard: Shard | null) =>
  shard === null || shardOf(name, shard.total) === shard.index;
