// The diagnosis: which known issue types the differences show and what to change.
// A type is claimed for an artifact when a variation it implies is a confirmed
// culprit, when its two sides are timestamps that follow each side's clock (the
// build records the time, even if the no-variation rebuild moved too), or on its
// shape alone when no probe ruled its variations out; a probe that did rules it
// out, and that is recorded; a type whose variations the check held fixed is not
// claimed, nor one that blames variations for an artifact that differs with nothing
// varied when a type that blames none explains it. An artifact no type explains is
// unclassified. Pure.
import type {
  Diagnosis,
  DiagnosisEvidence,
  PackageResult,
  PerSide,
  RuledOutType,
  Unclassified,
} from '../../reports/model.js';
import { ruledOutBy } from '../../reports/cause.js';
import type { Catalogue } from './catalogue.js';
import { followsClocks, type Span } from './clock.js';
import type { Hunk } from './diff-tree.js';
import { matchArtifact, type TypeHit } from './match.js';

export type DiagnoseInput = Readonly<{
  pkg: PackageResult;
  /** Per differing artifact, its report's hunks; a string says why there are none to read. */
  reports: ReadonlyMap<string, readonly Hunk[] | string>;
  catalogue: Catalogue;
  clocks: PerSide<readonly Span[]>;
}>;

export type DiagnoseOutput = Readonly<{
  diagnoses: Diagnosis[];
  unclassified: Unclassified[];
  ruledOut: RuledOutType[];
}>;

const CLOCK_NOTE = 'records the build time; also differs with nothing varied, because the clock moves between builds';
const RANK: Readonly<Record<Diagnosis['basis'], number>> = { confirmed: 0, clock: 1, shape: 2 };
const EVIDENCE_ARTIFACTS = 3;
const LINE_CHARS = 200;
const shorten = (line: string) => (line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS)}…` : line);

/** `clock`: the hit's two sides are timestamps that follow each side's clock, whatever its basis. */
type Claim = Readonly<{ hit: TypeHit; basis: Diagnosis['basis']; note: string | null; clock: boolean }>;

function claim(hit: TypeHit, input: DiagnoseInput): Claim | RuledOutType {
  const { pkg, clocks } = input;
  const { type, artifact } = hit;
  const clock = type.clock && followsClocks(hit.removed, hit.added, clocks);
  const culprits = new Set(pkg.culprits.filter((c) => c.artifacts.includes(artifact)).flatMap((c) => c.variations));
  if (type.variations.some((v) => culprits.has(v))) return { hit, basis: 'confirmed', note: null, clock };
  if (clock) {
    const moved = pkg.nondeterministic && (pkg.bisect.flapping.length === 0 || pkg.bisect.flapping.includes(artifact));
    return { hit, basis: 'clock', note: moved ? CLOCK_NOTE : 'records the build time', clock };
  }
  if (type.variations.length > 0) {
    const probes = type.variations.map((v) => ruledOutBy(pkg, v, artifact));
    if (probes.every((p) => p !== null))
      return { type: type.id, title: type.title, artifact, variations: type.variations, probe: probes[0]!.id };
  }
  return { hit, basis: 'shape', note: null, clock };
}

const isClaim = (c: Claim | RuledOutType): c is Claim => 'hit' in c;

/**
 * The check held every variation the type implies the same on both sides (pinned or
 * skipped), so it cannot explain a difference there; a clock type can (the clock moves
 * between builds anyway). Not for verify, whose published side was built elsewhere.
 */
const heldFixed = (hit: TypeHit, pkg: PackageResult) =>
  pkg.verify === null &&
  !hit.type.clock &&
  hit.type.variations.length > 0 &&
  hit.type.variations.every((v) => pkg.variations.some((r) => r.name === v && r.status !== 'varied'));

/** A type that follows from the variations it implies, which a rebuild with nothing varied held fixed. */
const blamesVariations = (hit: TypeHit) => !hit.type.clock && hit.type.variations.length > 0;

/**
 * The hits that stand for one artifact. One that also differs with nothing varied
 * (bisect's rebuild) is explained first by a type that follows from no variation (e.g.
 * Perl's hash order): then a type that blames variations (e.g. directory order) is dropped.
 */
function hitsFor(hits: readonly TypeHit[], pkg: PackageResult, artifact: string): TypeHit[] {
  const kept = hits.filter((hit) => !heldFixed(hit, pkg));
  const flaps = pkg.nondeterministic && pkg.bisect.flapping.includes(artifact);
  const unvaried = kept.some((hit) => hit.type.variations.length === 0 && !hit.type.fallback);
  return flaps && unvaried ? kept.filter((hit) => !blamesVariations(hit)) : kept;
}

/** The claims that stand for one artifact: superseded types and needless fallbacks dropped. */
function standing(claims: readonly Claim[]): Claim[] {
  const ids = new Set(claims.map((c) => c.hit.type.id));
  const superseded = new Set(claims.flatMap((c) => c.hit.type.supersedes).filter((id) => ids.has(id)));
  const kept = claims.filter((c) => !superseded.has(c.hit.type.id));
  const primary = kept.filter((c) => !c.hit.type.fallback);
  if (primary.length === 0) return kept;
  // Note: a fallback whose stamps follow the clocks stays beside primary types that
  // record no time (a date written in the local zone is also the build time), so the
  // diagnosis does not hang on whether bisect confirmed the zone.
  const timeExplained = primary.some((c) => c.hit.type.clock);
  return [...primary, ...kept.filter((c) => c.hit.type.fallback && c.clock && !timeExplained)];
}

export function diagnose(input: DiagnoseInput): DiagnoseOutput {
  const byType = new Map<string, Claim[]>();
  const unclassified: Unclassified[] = [];
  const ruledOut: RuledOutType[] = [];
  const values = {
    control: input.pkg.builds.control?.values ?? {},
    experiment: input.pkg.builds.experiment?.values ?? {},
  };
  for (const [artifact, report] of input.reports) {
    if (typeof report === 'string') {
      unclassified.push({ artifact, reason: report });
      continue;
    }
    const outcomes = hitsFor(matchArtifact(input.catalogue, artifact, report, values), input.pkg, artifact).map((hit) =>
      claim(hit, input),
    );
    ruledOut.push(...outcomes.filter((o): o is RuledOutType => !isClaim(o)));
    const claims = standing(outcomes.filter(isClaim));
    if (claims.length === 0) {
      unclassified.push({
        artifact,
        reason:
          outcomes.length > 0
            ? 'every type it looks like was ruled out by a probe'
            : 'no known issue type matches this difference',
      });
    }
    for (const c of claims) byType.set(c.hit.type.id, [...(byType.get(c.hit.type.id) ?? []), c]);
  }
  const diagnoses = [...byType.values()].map((claims): Diagnosis => {
    const { type } = claims[0]!.hit;
    const best = [...claims].sort((a, b) => RANK[a.basis] - RANK[b.basis])[0]!;
    const evidence = claims.slice(0, EVIDENCE_ARTIFACTS).map((c): DiagnosisEvidence => ({
      artifact: c.hit.artifact,
      where: c.hit.where,
      removed: c.hit.removed.map(shorten),
      added: c.hit.added.map(shorten),
    }));
    return {
      type: type.id,
      title: type.title,
      variations: type.variations,
      basis: best.basis,
      artifacts: claims.map((c) => c.hit.artifact),
      evidence,
      fix: type.fix,
      link: type.link,
      note: best.note,
    };
  });
  diagnoses.sort((a, b) => RANK[a.basis] - RANK[b.basis] || b.artifacts.length - a.artifacts.length);
  return { diagnoses, unclassified, ruledOut };
}
