// Which variations the first probe round builds alone: the strongest evidence
// of each differing artifact or, when no artifact shows any, the variation that
// most often breaks real packages (priors.ts). Pure.
import type { ArtifactEvidence, Suspected } from '../../reports/model.js';
import { byPrior } from './priors.js';

export const MAX_SUSPECTS = 3;

export function chooseSuspects(
  evidence: readonly ArtifactEvidence[],
  varied: readonly string[],
  max = MAX_SUSPECTS,
): string[] {
  const tally = new Map<string, { strongest: number; artifacts: number; score: number }>();
  for (const e of evidence) {
    const shown = e.suspects.filter((s) => varied.includes(s.variation));
    const top = shown[0]?.score ?? 0;
    // Note: a runner-up with at least half the top score is a suspect too (ranked after every
    // artifact's strongest). hello's year shows the experiment's year, which only time moves,
    // and the control's year in the control's zone, which timezone moves as well: time scores 2,
    // timezone 1, and both are culprits. A weak suspect costs one probe; a missed one costs a
    // group search over the complement (about 2 log2(n) probes).
    for (const s of shown.filter((s) => 2 * s.score >= top)) {
      const t = tally.get(s.variation) ?? { strongest: 0, artifacts: 0, score: 0 };
      tally.set(s.variation, {
        strongest: t.strongest + (s.score === top ? 1 : 0),
        artifacts: t.artifacts + 1,
        score: t.score + s.score,
      });
    }
  }
  const rank = (name: string) => tally.get(name)!;
  const ranked = byPrior([...tally.keys()]).sort(
    (a, b) =>
      rank(b).strongest - rank(a).strongest || rank(b).artifacts - rank(a).artifacts || rank(b).score - rank(a).score,
  );
  const chosen = ranked.slice(0, max);
  // Note: a prior only when no artifact shows evidence. When some do, an artifact that
  // shows none is often their consequence (hello's -dbgsym differs only in the build ID
  // of a binary whose year changed): the complement probe tells whether anything else
  // changes it, and a guessed prior would only cost a probe.
  if (evidence.length > 0 && !showsEvidence(evidence, varied)) {
    const prior = byPrior(varied)[0];
    if (prior) chosen.push(prior);
  }
  return chosen;
}

/** Whether any differing artifact shows evidence of a varied variation (else the suspects are priors: a guess). */
export const showsEvidence = (evidence: readonly ArtifactEvidence[], varied: readonly string[]): boolean =>
  evidence.some((e) => e.suspects.some((s) => varied.includes(s.variation)));

/**
 * What the evidence points at, for artifacts the budget left unsearched or unexplained,
 * minus what a probe confirmed for them: "suspected, not confirmed".
 */
export function unconfirmedSuspects(
  evidence: readonly ArtifactEvidence[],
  open: readonly string[],
  confirmed: readonly Readonly<{ variations: readonly string[]; artifacts: readonly string[] }>[],
): Suspected[] {
  const byVariation = new Map<string, { artifacts: string[]; evidence: string[] }>();
  for (const e of evidence) {
    if (!open.includes(e.artifact)) continue;
    for (const s of e.suspects) {
      if (
        confirmed.some(
          (c) => c.variations.length === 1 && c.variations[0] === s.variation && c.artifacts.includes(e.artifact),
        )
      )
        continue;
      const entry = byVariation.get(s.variation) ?? { artifacts: [], evidence: [] };
      entry.artifacts.push(e.artifact);
      entry.evidence.push(s.summary);
      byVariation.set(s.variation, entry);
    }
  }
  return byPrior([...byVariation.keys()]).map((variation) => ({ variation, ...byVariation.get(variation)! }));
}
