// What a variation is: data about what it needs, plus a pure plan transform.
import type { BuildPlan } from './plan.js';
import type { Rng } from './rng.js';

/** Something a variation needs from the machine; checked once before any build. */
export type Need =
  | Readonly<{ kind: 'tool'; name: string; pkg: string }>
  /** At least one of these locales (installed, or generated privately). */
  | Readonly<{ kind: 'locales'; names: readonly string[] }>
  | Readonly<{ kind: 'root' }>
  | Readonly<{ kind: 'fuse' }>
  | Readonly<{ kind: 'cpus'; min: number }>
  | Readonly<{ kind: 'mount-namespace' }>;

/** Facts established by the availability check that plans depend on. */
export type HostFacts = Readonly<{
  /** Directory of privately generated locales (LOCPATH), when the host lacks them. */
  localePath?: string;
  /** The experiment locales that can be used here. */
  locales?: readonly string[];
  /** `uname -m`. */
  machine: string;
  /** CPU ids this process may run on. */
  cpuList: readonly number[];
  /** Where /bin/sh, dash and bash really are (a bind mount onto a symlink lands on its target). */
  shPath: string;
  dashPath: string;
  bashPath: string;
  uid: number;
  gid: number;
  /** The full name (passwd field 5) of the user running twinbuild. */
  gecos: string;
  /** Builds run in private namespaces, so a variation may bind files over /proc and /sys there. */
  namespaces: boolean;
}>;

export type VaryContext = Readonly<{
  /** Seeded per variation, so one variation's choices do not shift when another is toggled. */
  rng: Rng;
  /** Dotted options from the --vary spec for this variation, e.g. `variables` → ['FOO=bar']. */
  options: Readonly<Record<string, readonly string[]>>;
  /** The directory the build runs in, as the build sees it (the control's, when build_path varies). */
  buildDir: string;
  /** A second path of a different length, for build_path. */
  altBuildDir: string;
  /** This side's private copy of the source, on the host. */
  sideDir: string;
  /** Twinbuild's scratch dir for files a variation's setup writes. */
  scratchDir: string;
  host: HostFacts;
  /** The check's start, in epoch seconds, read once so plans stay pure. */
  now: number;
  /**
   * Which of the builds running at once this one is: 0 the control, 1 the
   * experiment, a bisect probe the slot it runs in. A pinned single CPU is
   * picked by it, so builds that run together do not share one core.
   */
  slot: number;
}>;

/**
 * One way a build can observe a variation: a shell command run inside each
 * side's real environment (namespaces, mounts, preloads, user, variables) before
 * the build, printing what it sees. The variation is effective only when every
 * channel differs between control and experiment.
 */
export type Observation = Readonly<{
  channel: string;
  /**
   * POSIX sh; may call the functions of `observe.ts` (`tb_*`), which read what a
   * program would with shell built-ins, or run one program for several channels.
   */
  command: string;
  /** Lists the directories twinbuild puts in the side's tree for the probe (removed before the build). */
  probeTree?: true;
  /** A regular expression the experiment's value must also match (e.g. HOME must not exist there). */
  experimentMatches?: string;
  /** Only reached inside private namespaces (a file bound over /proc or /sys): not observed without them. */
  needsNamespaces?: true;
}>;

export type Variation = Readonly<{
  name: string;
  /** One line for `twinbuild variations`. */
  summary: string;
  control: string;
  experiment: string;
  needs: readonly Need[];
  /** Registry order constraints, checked by a test: this variation must come after these. */
  after?: readonly string[];
  /** Option names accepted in `--vary name.option=…`. */
  options?: readonly string[];
  /** How a build sees it; checked in every check (engine/prepare/effectiveness.ts). */
  observe: readonly Observation[];
  /** Variables this variation sets: --env may not set them while it is varied (exact names; a trailing * is a prefix). */
  ownsEnv?: readonly string[];
  /** What the technique does not reach, said in `twinbuild variations`, the README and every report. */
  limits?: string;
  /** Pure: vary=false pins the control value, vary=true applies the experiment value. */
  apply(plan: BuildPlan, ctx: VaryContext, vary: boolean): BuildPlan;
}>;
