// What bisect found, in words: shared by the console, JUnit and HTML views.
import type { Culprit, Diagnosis, PackageResult, ProbeResult } from './model.js';

const LISTED = 5;

const list = (items: readonly string[]) =>
  items.length <= LISTED ? items.join(', ') : `${items.slice(0, LISTED).join(', ')} and ${items.length - LISTED} more`;

export const culpritName = (c: Culprit) =>
  c.variations.length === 1 ? c.variations[0]! : `${c.variations.join(' + ')} together`;

const confirmedBy = (c: Culprit) =>
  c.probe === 'experiment' ? 'confirmed by the experiment build' : `confirmed by probe ${c.probe}`;

/**
 * Why only the experiment build failed, when bisect looked (bisect.difference "build-fails"), e.g.
 * "it fails when home is varied (confirmed by probe p2)"; null when bisect did not look.
 */
export function failureCause(pkg: PackageResult): string | null {
  const { bisect } = pkg;
  if (bisect.difference !== 'build-fails' || bisect.status === 'not-run') return null;
  if (pkg.nondeterministic)
    return `it fails even with nothing varied (${bisect.reason ?? 'a flaky build'}), so no variation is blamed`;
  if (bisect.status === 'error') return `bisect could not tell why: ${bisect.reason ?? 'unknown error'}`;
  if (pkg.culprits.length === 0)
    return `no variation was confirmed to make it fail${bisect.reason ? ` (${bisect.reason})` : ''}`;
  const when = (c: Culprit) =>
    'when ' +
    (c.variations.length === 1
      ? `${c.variations[0]} is varied`
      : `${c.variations.slice(0, -1).join(', ')} and ${c.variations.at(-1)} are varied together`) +
    ` (${confirmedBy(c)})`;
  return `it fails ${pkg.culprits.map(when).join('; or ')}`;
}

/** A package's error in one line, with why the experiment failed when bisect found out. */
export function errorLine(pkg: PackageResult): string {
  const cause = failureCause(pkg);
  return `${pkg.error?.message ?? 'unknown error'}${cause ? `; ${cause}` : ''}`;
}

/** e.g. "caused by time (changes out/a); time + timezone together (changes out/b)". */
export function causeSummary(pkg: PackageResult): string | null {
  const failed = failureCause(pkg);
  if (failed) return `the experiment build failed; ${failed}`;
  if (pkg.nondeterministic) return clockSummary(pkg) ?? nondeterministicSummary(pkg);
  if (pkg.bisect.status === 'error') return `bisect failed: ${pkg.bisect.reason ?? 'unknown error'}`;
  const suspected = suspectedSummary(pkg);
  if (pkg.culprits.length === 0) return suspected;
  const unexplained =
    pkg.bisect.unexplained.length > 0 ? `; not explained by any variation: ${list(pkg.bisect.unexplained)}` : '';
  return (
    `caused by ${pkg.culprits.map((c) => `${culpritName(c)} (changes ${list(c.artifacts)})`).join('; ')}` +
    `${unexplained}${suspected ? `; ${suspected}` : ''}`
  );
}

const nondeterministicSummary = (pkg: PackageResult) =>
  `nondeterministic: differs even with nothing varied (flapping: ${list(pkg.bisect.flapping)}); no variation is blamed`;

const clockDiagnosed = (pkg: PackageResult, path: string) =>
  pkg.diagnoses.some((d) => d.basis === 'clock' && d.artifacts.includes(path));

/**
 * A nondeterministic build whose every flapping artifact records the build time: the
 * clock, not chance, e.g. "records the build time (out/VERSION: the build date written
 * into a file); also differs with nothing varied, because the clock moves between builds".
 */
function clockSummary(pkg: PackageResult): string | null {
  const flapping = pkg.bisect.flapping;
  if (flapping.length === 0 || !flapping.every((p) => clockDiagnosed(pkg, p))) return null;
  const titles = pkg.diagnoses.filter((d) => d.basis === 'clock').map((d) => d.title);
  return (
    `records the build time (${list(flapping)}: ${list(titles)}); ` +
    'also differs with nothing varied, because the clock moves between builds'
  );
}

/** One line per diagnosis, e.g. "→ timestamps in gzip headers: compress with `gzip -n` … (https://…)". */
export const diagnosisLine = (d: Diagnosis) => `→ ${d.title}: ${d.fix}${d.link ? ` (${d.link})` : ''}`;

const BASIS: Readonly<Record<Diagnosis['basis'], string>> = {
  confirmed: 'confirmed by bisect',
  clock: "its two sides follow each build's clock",
  shape: 'by the shape of the difference; no probe confirmed it',
};

/** Where a diagnosis was seen and how sure it is, e.g. "in out/f.gz; confirmed by bisect". */
export const diagnosisWhere = (d: Diagnosis) => `in ${list(d.artifacts)}; ${d.note ?? BASIS[d.basis]}`;

/** The diagnoses that explain one artifact. */
export const artifactDiagnoses = (pkg: PackageResult, path: string) =>
  pkg.diagnoses.filter((d) => d.artifacts.includes(path));

/** What no known type explains, and the types a probe ruled out, one line each. */
export function undiagnosedLines(pkg: PackageResult): string[] {
  return [
    ...pkg.unclassified.map((u) => `→ unclassified: ${u.artifact} (${u.reason})`),
    ...pkg.ruledOut.map(
      (r) => `not claimed: ${r.title} in ${r.artifact}: ${r.variations.join(', ')} ruled out by probe ${r.probe}`,
    ),
  ];
}

/** e.g. "suspected, not confirmed (--bisect-budget 4 ran out …): umask (out/a.tar)": never a culprit. */
export function suspectedSummary(pkg: PackageResult): string | null {
  const suspected = pkg.bisect.suspected;
  if (suspected.length === 0) return null;
  return (
    `suspected, not confirmed (${pkg.bisect.reason ?? 'the bisect budget ran out'}` +
    `): ${suspected.map((s) => `${s.variation} (${list(s.artifacts)})`).join('; ')}`
  );
}

/**
 * What the difference in one artifact shows, strongest first, e.g. "build_path: the
 * experiment's path … appears 3 times in out/x.o"; evidence for a variation a probe
 * ruled out says so and which probe ("… (ruled out: probe p3 varied fileordering and built it as the control did)").
 */
export function artifactEvidence(pkg: PackageResult, path: string, most = 2): string[] {
  const found = pkg.bisect.evidence.find((e) => e.artifact === path);
  return (found?.suspects ?? []).slice(0, most).map((s) => {
    const probe = ruledOutBy(pkg, s.variation, path);
    return probe
      ? `${s.summary} (ruled out: probe ${probe.id} varied ${probe.variations.join(', ')} and built it as the control did)`
      : s.summary;
  });
}

/** The cause of one artifact's difference, for its own line or test case. */
export function artifactCause(pkg: PackageResult, path: string): string | null {
  if (pkg.nondeterministic) {
    if (clockDiagnosed(pkg, path)) return 'the build time (the clock moves between builds)';
    return pkg.bisect.flapping.includes(path)
      ? 'nondeterministic: differs with nothing varied'
      : 'nondeterministic build';
  }
  const names = pkg.culprits.filter((c) => c.artifacts.includes(path)).map(culpritName);
  return names.length > 0 ? `caused by ${names.join('; ')}` : null;
}

/** How much bisect did, e.g. "bisect: 5 probe builds in 4 rounds". */
export function bisectEffort(pkg: PackageResult): string | null {
  if (pkg.bisect.status === 'not-run') return null;
  const n = pkg.bisect.probes.length;
  return (
    `bisect: ${n} probe build${n === 1 ? '' : 's'} in ` +
    `${pkg.bisect.rounds} round${pkg.bisect.rounds === 1 ? '' : 's'} (the check's ` +
    `own builds are round 1)`
  );
}

/** What a view says beside a reproducible verdict when nothing was varied. */
export const DETERMINISM_NOTE = 'nothing varied: a determinism check, not a reproducibility test';

// Note: with nothing varied (--vary=-all) identical builds prove only that the
// build is deterministic here; results.json keeps "reproducible", every view says
// "deterministic". verify varies nothing on purpose and keeps "verified".
export const isDeterminismCheck = (pkg: PackageResult) =>
  pkg.verdict === 'reproducible' && !pkg.variations.some((v) => v.status === 'varied');

/** "1 known difference ignored" for a package that passed only because of its ignore rules; else null. */
export const knownDifferencesNote = (pkg: PackageResult): string | null =>
  pkg.verdict === 'reproducible' && pkg.knownDifferences > 0
    ? `${pkg.knownDifferences} known difference${pkg.knownDifferences === 1 ? '' : 's'} ignored`
    : null;

/** The verdict as a view words it: "deterministic" for a determinism check, a pass with ignored differences says so, else the verdict. */
export const verdictWord = (pkg: PackageResult): string => {
  const known = knownDifferencesNote(pkg);
  return `${isDeterminismCheck(pkg) ? 'deterministic' : pkg.verdict}${known ? ` (${known})` : ''}`;
};

/**
 * How the builds were contained (docs/sandbox.md), for every view: a build that ran
 * without the sandbox, or with the network, is said so next to its verdict.
 */
export function sandboxNote(pkg: PackageResult): string {
  if (pkg.isolation === 'sequential')
    return "NOT SANDBOXED: no user namespaces or bubblewrap here, so the builds ran with twinbuild's own rights and network";
  return pkg.recipe?.network === true
    ? 'sandboxed, with the network (--network)'
    : 'sandboxed (read-only host, no network, no privilege)';
}

/** e.g. "not copied into the builds (special files in the source): .git/fsmonitor--daemon.ipc (socket)"; null when none. */
export function notCopiedNote(pkg: PackageResult): string | null {
  const skipped = pkg.notCopied ?? [];
  if (skipped.length === 0) return null;
  return `not copied into the builds (special files in the source): ${list(skipped.map((f) => `${f.path} (${f.kind})`))}`;
}

/**
 * The probe that rules `variation` out for one artifact: it varied the variation,
 * built, and (its list of differing artifacts complete) did not change the artifact;
 * null when no probe did.
 */
export function ruledOutBy(pkg: PackageResult, variation: string, artifact: string): ProbeResult | null {
  if (pkg.nondeterministic) return null;
  return (
    pkg.bisect.probes.find(
      (p) =>
        p.variations.includes(variation) &&
        (p.status === 'same' ||
          (p.status === 'differs' && p.differingCount === p.differing.length && !p.differing.includes(artifact))),
    ) ?? null
  );
}
