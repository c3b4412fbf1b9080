// `twinbuild variations`: the registry as a table, with this machine's availability.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REGISTRY } from '../../variations/index.js';
import { canUseMountNamespaces, checkVariations } from '../availability.js';
import { realProcesses } from '../process.js';

export const VARIATIONS_HELP = `Usage: twinbuild variations [--json]

Lists every variation in the order they are applied, the control and
experiment values, and whether this machine can apply it (and why not).
`;

export async function runVariationsCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
  const scratch = await mkdtemp(join(tmpdir(), 'twinbuild-'));
  try {
    const { availability } = await checkVariations(REGISTRY, realProcesses, scratch, await canUseMountNamespaces(realProcesses));
    const rows = REGISTRY.map((v, i) => ({
      name: v.name,
      summary: v.summary,
      control: v.control,
      experiment: v.experiment,
      available: availability[i]?.available ?? false,
      reason: availability[i]?.reason ?? null,
      note: availability[i]?.note ?? null,
    }));
    if (values.json) {
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return 0;
    }
    for (const row of rows) {
      process.stdout.write(
        `${row.name.padEnd(13)} ${row.available ? 'available  ' : 'unavailable'}  ${row.summary}\n` +
          `${' '.repeat(27)}control:    ${row.control}\n${' '.repeat(27)}experiment: ${row.experiment}\n` +
          (row.reason ? `${' '.repeat(27)}why not:    ${row.reason}\n` : '') +
          (row.note ? `${' '.repeat(27)}note:       ${row.note}\n` : ''),
      );
    }
    return 0;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
