// The immutable build plan (DESIGN §1): variations transform it, the engine runs it.
// Every helper returns a new frozen plan; nothing here touches the machine.

export type Side = 'control' | 'experiment';

/** A step the engine performs before (setup) or after (cleanup) the build, never a variation. */
export type PlanStep = Readonly<{ description: string; argv: readonly string[] }>;

export type BuildPlan = Readonly<{
  side: Side;
  /** The user's build command, as argv (usually `sh -c CMD`). */
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Argv prefixes, outermost first; each must exec the rest of the command line. */
  wrappers: readonly (readonly string[])[];
  setup: readonly PlanStep[];
  cleanup: readonly PlanStep[];
  /** What each variation set on this side, for the report (e.g. `{ umask: '0002' }`). */
  values: Readonly<Record<string, string>>;
}>;

export function newPlan(side: Side, argv: readonly string[], env: Record<string, string>): BuildPlan {
  return freezePlan({ side, argv: [...argv], env: { ...env }, wrappers: [], setup: [], cleanup: [], values: {} });
}

function freezePlan(plan: BuildPlan): BuildPlan {
  return Object.freeze({
    ...plan,
    argv: Object.freeze([...plan.argv]),
    env: Object.freeze({ ...plan.env }),
    wrappers: Object.freeze(plan.wrappers.map((w) => Object.freeze([...w]))),
    setup: Object.freeze([...plan.setup]),
    cleanup: Object.freeze([...plan.cleanup]),
    values: Object.freeze({ ...plan.values }),
  });
}

export const withEnv = (plan: BuildPlan, vars: Record<string, string>): BuildPlan =>
  freezePlan({ ...plan, env: { ...plan.env, ...vars } });

export const withoutEnv = (plan: BuildPlan, names: readonly string[]): BuildPlan =>
  freezePlan({ ...plan, env: Object.fromEntries(Object.entries(plan.env).filter(([k]) => !names.includes(k))) });

/** Adds a wrapper inside the existing ones (variations are applied outside-in). */
export const wrap = (plan: BuildPlan, prefix: readonly string[]): BuildPlan =>
  freezePlan({ ...plan, wrappers: [...plan.wrappers, prefix] });

export const addSetup = (plan: BuildPlan, step: PlanStep): BuildPlan => freezePlan({ ...plan, setup: [...plan.setup, step] });

export const addCleanup = (plan: BuildPlan, step: PlanStep): BuildPlan =>
  freezePlan({ ...plan, cleanup: [step, ...plan.cleanup] });

/** Records the concrete value a variation gave this side, for results.json and replay. */
export const record = (plan: BuildPlan, name: string, value: string): BuildPlan =>
  freezePlan({ ...plan, values: { ...plan.values, [name]: value } });

/** The full command line: wrappers outermost first, then the build. */
export const commandLine = (plan: BuildPlan): string[] => [...plan.wrappers.flat(), ...plan.argv];
