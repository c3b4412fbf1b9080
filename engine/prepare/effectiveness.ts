// Proves, in every check, that each varied variation reaches the build: a small
// probe runs first inside each build's own process (the same namespaces, mounts,
// preloads, user and variables) and records what a build sees through each
// variation's channels. A variation whose
// channels do not all differ between the sides is not effective here: it is
// skipped with what was observed (or the check stops, when it was asked for by name).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REGISTRY } from '../../variations/index.js';
import { PROBE_FUNCTIONS } from '../../variations/observe.js';
import type { BuildPlan, Side } from '../../variations/plan.js';
import type { Variation } from '../../variations/types.js';
import type { Workspace } from './workspace.js';

export type Observed = Readonly<Record<string, string>>;

/** What each channel of one variation showed on each side. */
export type VariationObservation = Readonly<{ control: Observed; experiment: Observed }>;

export type Verdicts = Readonly<{
  observed: ReadonlyMap<string, VariationObservation>;
  /** Varied variations that did not reach the build, with why. */
  ineffective: readonly Readonly<{ name: string; reason: string }>[];
}>;

const PROBE_DIR = '.twinbuild-probe';
const MANY = 24;

// Note: each record is RS KEY US VALUE, the value being the channel command's raw
// output; folding it (newlines, tabs) is left to this side, so a channel costs the
// shell its own command and nothing more: most are built-ins (variations/observe.ts),
// and all of them together start at most a handful of programs.
const RS = '\u001e';
const US = '\u001f';
const key = (variation: string, channel: string) => `${variation}${US}${channel}`;

/** The channels a build can be asked about: those behind a bind over /proc or /sys only in namespaces. */
const channels = (v: Variation, namespaces: boolean) => v.observe.filter((o) => namespaces || !o.needsNamespaces);

/** The shell functions the channels call, then each channel of these variations as one record. */
export function probeScript(variations: readonly Variation[], namespaces = true): string {
  const lines = variations.flatMap((v) =>
    channels(v, namespaces).map(
      (o) => `printf '\\036%s\\037' '${key(v.name, o.channel).replace(/'/g, `'\\''`)}'; { ${o.command} ; } 2>&1`,
    ),
  );
  return PROBE_FUNCTIONS + lines.join('\n') + '\n';
}

/** Whether any channel of these variations lists the probe's directories (else none are placed). */
export const usesProbeTree = (variations: readonly Variation[]): boolean =>
  variations.some((v) => v.observe.some((o) => o.probeTree));

export function parseProbeOutput(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const record of text.split(RS)) {
    const [variation, channel, ...rest] = record.split(US);
    if (variation && channel !== undefined)
      values.set(key(variation, channel), rest.join(' ').replace(/\s+/g, ' ').trim());
  }
  return values;
}

/** Compares both sides' observations, channel by channel. */
export function judge(
  variations: readonly Variation[],
  control: ReadonlyMap<string, string>,
  experiment: ReadonlyMap<string, string>,
  namespaces = true,
): Verdicts {
  const observed = new Map<string, VariationObservation>();
  const ineffective: { name: string; reason: string }[] = [];
  for (const v of variations) {
    const seen = { control: {} as Record<string, string>, experiment: {} as Record<string, string> };
    const problems: string[] = [];
    for (const o of channels(v, namespaces)) {
      const c = control.get(key(v.name, o.channel));
      const e = experiment.get(key(v.name, o.channel));
      seen.control[o.channel] = c ?? '(not observed)';
      seen.experiment[o.channel] = e ?? '(not observed)';
      if (c === undefined || e === undefined) problems.push(`${o.channel} could not be observed`);
      else if (c === e) problems.push(`${o.channel} was "${c}" on both sides`);
      else if (o.experimentMatches && !new RegExp(o.experimentMatches).test(e))
        problems.push(`${o.channel} was "${e}" in the experiment`);
    }
    observed.set(v.name, seen);
    if (problems.length > 0) ineffective.push({ name: v.name, reason: `not effective here: ${problems.join('; ')}` });
  }
  return { observed, ineffective };
}

// Directories listed by fileordering's channels: two entries, and many.
export async function placeProbeTree(sideDir: string): Promise<void> {
  const dir = join(sideDir, PROBE_DIR);
  await mkdir(join(dir, 'two'), { recursive: true });
  await mkdir(join(dir, 'many'), { recursive: true });
  await Promise.all([
    writeFile(join(dir, 'two', 'a'), ''),
    writeFile(join(dir, 'two', 'b'), ''),
    ...Array.from({ length: MANY }, (_, i) => writeFile(join(dir, 'many', `f${String(i).padStart(2, '0')}`), '')),
  ]);
}

/**
 * The plan with the probe in front of the build, in the build's own process:
 * a subshell (a fork, no new program: the same ids, personality, CPUs, niceness,
 * namespaces and variables) writes what it sees to fd 3 (a file twinbuild opened);
 * then fd 3 is closed, the probe's directories removed and the build exec'd exactly
 * as planned (`/bin/sh -c BUILD`). So the probe sees precisely the build's
 * environment, costs no extra namespace, and its functions and variables never
 * reach the build.
 */
export function withProbe(plan: BuildPlan, varied: readonly string[], namespaces: boolean): BuildPlan {
  const variations = REGISTRY.filter((v) => varied.includes(v.name));
  const [shell, flag, build] = plan.argv;
  if (variations.length === 0 || shell !== '/bin/sh' || flag !== '-c' || build === undefined || plan.argv.length !== 3)
    return plan;
  const removal = usesProbeTree(variations) ? `rm -rf ${PROBE_DIR}\n` : '';
  const script = `(\n${probeScript(variations, namespaces)}) >&3 2>/dev/null\nexec 3>&-\n${removal}exec /bin/sh -c "$1"`;
  return { ...plan, argv: ['/bin/sh', '-c', script, 'twinbuild-probe', build] };
}

const readObservations = async (file: string) => parseProbeOutput(await readFile(file, 'utf8').catch(() => ''));

/** The probe of one check: what each side's build runs, and, once both have run, what they saw. */
export type ProbeRound = Readonly<{
  /** The side's plan with the probe in front, and the file its fd 3 writes to. */
  side: (label: Side) => Readonly<{ probed: BuildPlan; observations: string }>;
  /** After the builds: removes the probe's directories (where a build never started) and judges both sides. */
  finish: () => Promise<Verdicts>;
}>;

export const NOTHING_PROVED: Verdicts = Object.freeze({ observed: new Map(), ineffective: [] });

const SIDES = ['control', 'experiment'] as const;

/** Places the probe's directories in both sides' trees; null when nothing is varied (nothing to prove). */
export async function startProbeRound(
  plans: Readonly<Record<Side, BuildPlan>>,
  varied: readonly string[],
  workspace: Pick<Workspace, 'sideDir' | 'scratchDir'>,
  namespaces: boolean,
): Promise<ProbeRound | null> {
  if (varied.length === 0) return null;
  const observations = (label: Side) => join(workspace.scratchDir, `observed-${label}`);
  const variations = REGISTRY.filter((v) => varied.includes(v.name));
  const tree = usesProbeTree(variations);
  if (tree) await Promise.all(SIDES.map((label) => placeProbeTree(workspace.sideDir(label))));
  return {
    side: (label) => ({ probed: withProbe(plans[label], varied, namespaces), observations: observations(label) }),
    finish: async () => {
      if (tree)
        await Promise.all(
          SIDES.map((label) => rm(join(workspace.sideDir(label), PROBE_DIR), { recursive: true, force: true })),
        );
      return judge(
        variations,
        await readObservations(observations('control')),
        await readObservations(observations('experiment')),
        namespaces,
      );
    },
  };
}

/** Availability with each ineffective variation marked unavailable, its reason what the probe saw. */
export function withoutIneffective<T extends Readonly<{ name: string; available: boolean; reason?: string }>>(
  availability: readonly T[],
  verdicts: Verdicts,
): T[] {
  return availability.map((a) => {
    const found = verdicts.ineffective.find((i) => i.name === a.name);
    return found ? { ...a, available: false, reason: found.reason } : a;
  });
}
