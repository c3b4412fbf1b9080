// The immutable build plan (DESIGN §1): variations transform it, the engine runs it.
// Every helper returns a new frozen plan; nothing here touches the machine.

export type Side = 'control' | 'experiment';

/** A step the engine performs before the build (e.g. writing a private passwd copy), never a variation. */
export type PlanStep = Readonly<{ description: string; argv: readonly string[] }>;

/** How the side's copy of the source appears at `buildDir` inside its namespace. */
export type WorkspaceMount = Readonly<
  | { kind: 'bind' }
  /** `owner`: the uid:gid disorderfs runs as, the build's own (0:0 for root). */
  | { kind: 'disorderfs'; options: readonly string[]; owner: string }
>;

/**
 * What `adapters/enter.sh` does inside the build's namespaces before the build:
 * extra bind mounts and names. Data, so the engine stays the only thing that acts.
 */
export type NamespaceAction =
  | Readonly<{ kind: 'bind'; source: string; target: string }>
  | Readonly<{ kind: 'hostname'; name: string }>
  | Readonly<{ kind: 'domainname'; name: string }>;

/** One `setarch` call: nested setarch calls reset each other's personality, so flags are merged here. */
export type Personality = Readonly<{ arch: string | null; flags: readonly string[] }>;

export type BuildPlan = Readonly<{
  side: Side;
  /** The user's build command, as argv (usually `sh -c CMD`). */
  argv: readonly string[];
  /** The absolute path the build runs in, as the build sees it. */
  buildDir: string;
  workspaceMount: WorkspaceMount;
  namespaceActions: readonly NamespaceAction[];
  personality: Personality;
  env: Readonly<Record<string, string>>;
  /** Argv prefixes, outermost first; each must exec the rest of the command line. */
  wrappers: readonly (readonly string[])[];
  setup: readonly PlanStep[];
  /**
   * Host paths the build must not see (a HOME or PATH entry meant not to exist): in
   * namespaces each is covered by an empty tmpfs when the host has it, so an earlier
   * build that created it cannot make a variation a no-op. Without namespaces nothing
   * can hide them; the effectiveness probe then reports the variation as not effective.
   */
  hidden: readonly string[];
  /** The uid and gid the build sees in its sandbox; null: 0:0 (root inside, an unprivileged id outside). */
  runAs: Readonly<{ uid: number; gid: number }> | null;
  /** What each variation set on this side, for the report (e.g. `{ umask: '0002' }`). */
  values: Readonly<Record<string, string>>;
}>;

export function newPlan(
  side: Side,
  argv: readonly string[],
  env: Record<string, string>,
  buildDir = '/build',
): BuildPlan {
  return freezePlan({
    side,
    argv: [...argv],
    buildDir,
    workspaceMount: { kind: 'bind' },
    namespaceActions: [],
    personality: { arch: null, flags: [] },
    env: { ...env },
    wrappers: [],
    setup: [],
    hidden: [],
    runAs: null,
    values: {},
  });
}

function freezePlan(plan: BuildPlan): BuildPlan {
  return Object.freeze({
    ...plan,
    argv: Object.freeze([...plan.argv]),
    namespaceActions: Object.freeze([...plan.namespaceActions]),
    personality: Object.freeze({ arch: plan.personality.arch, flags: Object.freeze([...plan.personality.flags]) }),
    env: Object.freeze({ ...plan.env }),
    wrappers: Object.freeze(plan.wrappers.map((w) => Object.freeze([...w]))),
    setup: Object.freeze([...plan.setup]),
    hidden: Object.freeze([...plan.hidden]),
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

export const addSetup = (plan: BuildPlan, step: PlanStep): BuildPlan =>
  freezePlan({ ...plan, setup: [...plan.setup, step] });

export const runningAs = (plan: BuildPlan, uid: number, gid: number): BuildPlan =>
  freezePlan({ ...plan, runAs: { uid, gid } });

export const hiding = (plan: BuildPlan, path: string): BuildPlan =>
  plan.hidden.includes(path) ? plan : freezePlan({ ...plan, hidden: [...plan.hidden, path] });

export const withBuildDir = (plan: BuildPlan, buildDir: string): BuildPlan => freezePlan({ ...plan, buildDir });

export const withWorkspaceMount = (plan: BuildPlan, workspaceMount: WorkspaceMount): BuildPlan =>
  freezePlan({ ...plan, workspaceMount });

export const inNamespace = (plan: BuildPlan, action: NamespaceAction): BuildPlan =>
  freezePlan({ ...plan, namespaceActions: [...plan.namespaceActions, action] });

/** Binds another source onto `target` in place of the one bound there (a later variation's edit of its copy). */
export const rebind = (plan: BuildPlan, target: string, source: string): BuildPlan =>
  freezePlan({
    ...plan,
    namespaceActions: plan.namespaceActions.map((a) =>
      a.kind === 'bind' && a.target === target ? { ...a, source } : a,
    ),
  });

/** Sets the arch (when given) and adds setarch flags, keeping those already there. */
export const withPersonality = (plan: BuildPlan, arch: string | null, flags: readonly string[] = []): BuildPlan =>
  freezePlan({
    ...plan,
    personality: { arch: arch ?? plan.personality.arch, flags: [...new Set([...plan.personality.flags, ...flags])] },
  });

/** Records the concrete value a variation gave this side, for results.json and replay. */
export const record = (plan: BuildPlan, name: string, value: string): BuildPlan =>
  freezePlan({ ...plan, values: { ...plan.values, [name]: value } });

/** The full command line: one setarch (if any), the wrappers outermost first, then the build. */
export function commandLine(plan: BuildPlan): string[] {
  const { arch, flags } = plan.personality;
  const setarch = arch || flags.length ? ['setarch', ...(arch ? [arch] : []), ...flags] : [];
  return [...setarch, ...plan.wrappers.flat(), ...plan.argv];
}
