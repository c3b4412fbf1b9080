// Which variations cause a difference: adaptive group testing over the varied
// set, driven by a `probe` that builds the experiment with only some variations
// varied and returns the artifacts that then differ from the control.
//
// Per differing artifact, a set that changes it is split in halves, both halves
// are probed at once, and the search goes on in every half that still changes
// it (so independent culprits are all found). When neither half does, the cause
// is an interaction across the halves, and the smallest set that still changes
// it is found by minimising each half against the other (QuickXplain-style).
// Probes are memoised by variation set, so artifacts with the same cause share
// every build. Assumes a difference, once caused, persists when more is varied.
//
// Hypothesis first: given suspects (from the evidence, or priors), the first
// round probes each suspect alone and their complement (everything else); the
// complement, when it rebuilds the control's bytes, stands in for the
// no-variation rebuild. An artifact some suspect changes alone, and the
// complement does not, is explained there; the rest fall back to the group
// testing above (over the complement when it changes them, else over all).
// A budget bounds the probe builds; what it leaves unsearched is reported as such.

export type Probe = (variations: readonly string[]) => Promise<ReadonlySet<string>>;

export type Finding = Readonly<{ variations: readonly string[]; artifacts: readonly string[] }>;

export type Findings = Readonly<{
  /** Artifacts that differ with nothing varied; when non-empty, nothing is blamed. */
  flapping: readonly string[];
  culprits: readonly Finding[];
  /** Differing artifacts for which no culprit was confirmed. */
  unexplained: readonly string[];
  /** Artifacts whose search the budget stopped (they may have culprits not found). */
  unfinished: readonly string[];
  /** A probe was refused because the budget was spent. */
  budgetSpent: boolean;
}>;

export type SearchOptions = Readonly<{
  /** Strongest first: probed alone in the first round, in this order (awaited after the no-variation probe starts). */
  suspects?: readonly string[] | Promise<readonly string[]>;
  /** The most probe builds to start; null or absent for no limit. */
  budget?: number | null;
  /**
   * The suspects are a guess (priors: no difference showed evidence). The no-variation
   * rebuild then goes first: a difference that shows nothing may as well be a flapping build.
   */
  guessed?: boolean | Promise<boolean>;
}>;

/** Thrown into queued probes once the search is settled (e.g. the build is nondeterministic). */
export class SearchCancelled extends Error {}

/** A probe the budget does not allow. */
export class BudgetSpent extends Error {}

export async function findCulprits(
  /** Varied variation names, in registry order. */
  varied: readonly string[],
  /** What the full experiment changed (the search starts from it, without rebuilding it). */
  differing: ReadonlySet<string>,
  probe: Probe,
  options: SearchOptions = {},
): Promise<Findings> {
  const order = new Map(varied.map((name, i) => [name, i]));
  const normalise = (set: Iterable<string>) => [...new Set(set)].sort((a, b) => order.get(a)! - order.get(b)!);
  const memo = new Map<string, Promise<ReadonlySet<string>>>([[varied.join(','), Promise.resolve(differing)]]);
  const budget = options.budget ?? Infinity;
  let started = 0;
  let budgetSpent = false;
  const test = (set: Iterable<string>): Promise<ReadonlySet<string>> => {
    const names = normalise(set);
    const key = names.join(',');
    let result = memo.get(key);
    if (result) return result;
    if (started >= budget) {
      budgetSpent = true;
      return Promise.reject(new BudgetSpent(`the budget of ${budget} probe builds is spent`));
    }
    started++;
    memo.set(key, (result = probe(names)));
    return result;
  };
  const halves = (set: readonly string[]) =>
    [set.slice(0, Math.ceil(set.length / 2)), set.slice(Math.ceil(set.length / 2))] as const;

  // One promise for both, so the no-variation probe (when it goes first) is queued before the suspects.
  const known = Promise.all([Promise.resolve(options.suspects ?? []), Promise.resolve(options.guessed ?? false)]);
  // The no-variation rebuild tells a nondeterministic build apart. Without suspects (or without
  // budget for the whole first round) it is queued first. With them it waits for the first round:
  // a complement that rebuilt every artifact as the control did is such a rebuild already, with
  // more varied, and costs no extra build; otherwise the no-variation rebuild follows.
  const defersBaseline = (suspects: number, guessed: boolean) => !guessed && suspects > 0 && budget >= suspects + 2;
  const baseline = known.then(([given, guessed]): Promise<ReadonlySet<string>> =>
    defersBaseline(new Set(given.filter((s) => order.has(s))).size, guessed)
      ? hypothesis.then((first) => first!.baseline!)
      : test([]),
  );

  // Precondition: `artifact` differs with base ∪ set varied, and not with base alone.
  const minimise = async (artifact: string, set: readonly string[], base: readonly string[]): Promise<string[]> => {
    if (set.length === 1) return [...set];
    const [left, right] = halves(set);
    const [l, r] = await Promise.all([test([...base, ...left]), test([...base, ...right])]);
    if (l.has(artifact)) return minimise(artifact, left, base);
    if (r.has(artifact)) return minimise(artifact, right, base);
    const fromLeft = await minimise(artifact, left, [...base, ...right]);
    const fromRight = await minimise(artifact, right, [...base, ...fromLeft]);
    return normalise([...fromLeft, ...fromRight]);
  };

  // Precondition: `artifact` differs with `set` varied.
  const search = async (artifact: string, set: readonly string[]): Promise<string[][]> => {
    if (set.length <= 1) return [[...set]];
    const [left, right] = halves(set);
    const [l, r] = await Promise.all([test(left), test(right)]);
    if (!l.has(artifact) && !r.has(artifact)) return [await minimise(artifact, set, [])];
    const found = await Promise.all([
      l.has(artifact) ? search(artifact, left) : [],
      r.has(artifact) ? search(artifact, right) : [],
    ]);
    return found.flat();
  };

  const settle = <T>(p: Promise<T>): Promise<T | null> =>
    p.catch((e: unknown) => {
      if (e instanceof BudgetSpent) return null;
      throw e;
    });
  // The first round: each suspect alone and the complement, all started at once.
  const hypothesis = (async () => {
    // In the order given, strongest first: with --jobs 2 the first starts beside the no-variation probe.
    const [given, guessed] = await known;
    const suspects = [...new Set(given)].filter((s) => order.has(s));
    await Promise.resolve(); // after the no-variation probe, when it goes first, is queued
    if (suspects.length === 0) return null;
    const alone = suspects.map((s) => settle(test([s])));
    const complement = varied.filter((v) => !suspects.includes(v));
    const [rest, ...results] = await Promise.all([settle(test(complement)), ...alone]);
    // Queued here, before anything waiting on this round queues its own probes.
    const deferred: Promise<ReadonlySet<string>> | null = !defersBaseline(suspects.length, guessed)
      ? null
      : rest && rest.size === 0
        ? Promise.resolve(rest)
        : test([]);
    deferred?.catch(() => {}); // settled where the baseline is awaited
    return {
      complement,
      rest: rest ?? null,
      alone: suspects.map((s, i) => [s, results[i] ?? null] as const),
      baseline: deferred,
    };
  })();

  const perArtifact = Promise.all(
    [...differing].map(async (artifact) => {
      const first = await hypothesis;
      const known: string[][] = (first?.alone ?? []).filter(([, r]) => r?.has(artifact)).map(([s]) => [s]);
      try {
        let candidates: string[][];
        if (!first) candidates = await search(artifact, varied);
        else if (first.rest === null || first.alone.some(([, r]) => r === null))
          throw new BudgetSpent('the first round was cut short');
        // Explained by the suspects, and nothing else changes it: done.
        else if (!first.rest.has(artifact) && known.length > 0) candidates = [];
        // Something outside the suspects changes it too.
        else if (first.rest.has(artifact)) candidates = await search(artifact, first.complement);
        // No suspect alone, nor the rest: an interaction.
        else candidates = await search(artifact, varied);
        // Confirm each set by itself (usually already probed): the search assumed monotonicity.
        const confirmed = await Promise.all(
          candidates.map(async (set) => ((await test(set)).has(artifact) ? set : null)),
        );
        return {
          artifact,
          sets: [...known, ...confirmed.filter((s): s is string[] => s !== null && s.length > 0)],
          unfinished: false,
        };
      } catch (e) {
        if (!(e instanceof BudgetSpent)) throw e;
        return { artifact, sets: known, unfinished: true };
      }
    }),
  );
  // Handled below, or abandoned when the build is nondeterministic (the caller cancels its probes).
  perArtifact.catch(() => {});

  const seen = await settle(baseline);
  if (seen === null) {
    // Not even the no-variation rebuild was allowed: nothing can be confirmed.
    return {
      flapping: [],
      culprits: [],
      unexplained: [...differing].sort(),
      unfinished: [...differing].sort(),
      budgetSpent: true,
    };
  }
  const flapping = [...seen].sort();
  if (flapping.length > 0) {
    return { flapping, culprits: [], unexplained: [], unfinished: [], budgetSpent };
  }
  const results = await perArtifact;
  const byCulprit = new Map<string, { variations: string[]; artifacts: string[] }>();
  for (const { artifact, sets } of results) {
    for (const set of sets) {
      const key = set.join(',');
      const entry = byCulprit.get(key) ?? { variations: set, artifacts: [] };
      if (entry.artifacts.includes(artifact)) continue;
      entry.artifacts.push(artifact);
      byCulprit.set(key, entry);
    }
  }
  const culprits = [...byCulprit.values()]
    .map((c) => ({ variations: c.variations, artifacts: c.artifacts.sort() }))
    .sort(
      (a, b) =>
        a.variations.length - b.variations.length || order.get(a.variations[0]!)! - order.get(b.variations[0]!)!,
    );
  return {
    flapping: [],
    culprits,
    unexplained: results
      .filter((r) => r.sets.length === 0)
      .map((r) => r.artifact)
      .sort(),
    unfinished: results
      .filter((r) => r.unfinished)
      .map((r) => r.artifact)
      .sort(),
    budgetSpent,
  };
}
