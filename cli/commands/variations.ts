// `twinbuild variations`: the registry as a table, with this machine's
// availability and the concrete values each side would get for a seed.
import { parseArgs } from 'node:util';
import { REGISTRY } from '../../variations/index.js';
import { MAX_SEED, newSeed } from '../../variations/rng.js';
import { parseVarySpecs } from '../../variations/spec.js';
import { canUseMountNamespaces } from '../../adapters/namespaces.js';
import { checkVariations } from '../../engine/prepare/availability.js';
import { DEFAULT_DIFFOSCOPE, freezeOptions } from '../../engine/options.js';
import { parsePositiveInt } from '../parse.js';
import type { Command } from '../command.js';
import { createPlanner } from '../../engine/prepare/planning.js';
import { createWorkspace, removeWorkspace } from '../../engine/prepare/workspace.js';

export const VARIATIONS_HELP = `Usage: twinbuild variations [--seed N] [--json]

Lists every variation in the order they are applied: what it changes, the
control and experiment values (the concrete ones for this seed), and whether
this machine can apply it, and why not.

  --seed N   show the values a check with this seed would use
  --json     machine-readable
`;

export const variationsCommand: Command = { help: VARIATIONS_HELP, run: runVariations };

async function runVariations(args: string[], { env, runner, stdout }: Parameters<Command['run']>[1]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, seed: { type: 'string' } },
    strict: true,
  });
  const seed = values.seed !== undefined ? parsePositiveInt(values.seed, '--seed', MAX_SEED) : newSeed();
  const workspace = await createWorkspace('example', env.tempDir);
  try {
    const namespaces = await canUseMountNamespaces(runner);
    const { availability, host } = await checkVariations(REGISTRY, runner, workspace.scratchDir, namespaces, env.path);
    const options = freezeOptions({
      source: '/src/example',
      name: 'example',
      preset: 'generic',
      build: 'make',
      artifacts: ['**'],
      subdir: null,
      dsc: false,
      vary: parseVarySpecs([]),
      seed,
      jobs: 1,
      timeoutMs: 1,
      outDir: '/out',
      env: {},
      isolation: 'auto',
      diffoscope: DEFAULT_DIFFOSCOPE,
      bisect: false,
      keep: false,
      tempDir: env.tempDir,
      toolPath: env.path,
    });
    const plans = createPlanner(options, availability, host, workspace);
    const rows = REGISTRY.map((v, i) => ({
      name: v.name,
      summary: v.summary,
      control: v.control,
      experiment: v.experiment,
      available: availability[i]?.available ?? false,
      reason: availability[i]?.reason ?? null,
      note: availability[i]?.note ?? null,
      limits: v.limits ?? null,
      observe: v.observe.map((o) => o.channel),
      values: { control: plans.control.values[v.name] ?? null, experiment: plans.experiment.values[v.name] ?? null },
    }));
    if (values.json) {
      stdout.write(JSON.stringify({ seed, variations: rows }, null, 2) + '\n');
      return 0;
    }
    const pad = ' '.repeat(27);
    for (const row of rows) {
      const shown = (label: string, text: string, value: string | null) =>
        `${pad}${label}${text}${value !== null ? `   → ${value}` : ''}\n`;
      stdout.write(
        `${row.name.padEnd(13)} ${row.available ? 'available  ' : 'unavailable'}  ${row.summary}\n` +
          shown('control:    ', row.control, row.values.control) +
          shown('experiment: ', row.experiment, row.values.experiment) +
          (row.reason ? `${pad}why not:    ${row.reason}\n` : '') +
          (row.note ? `${pad}note:       ${row.note}\n` : '') +
          (row.limits ? `${pad}limit:      ${row.limits}\n` : ''),
      );
    }
    stdout.write(`(values for seed ${seed}; paths are examples: a check puts them under its own temp root)\n`);
    return 0;
  } finally {
    // Nothing is mounted here: no build runs, so there is nothing to unmount.
    await removeWorkspace(workspace, async () => {});
  }
}
