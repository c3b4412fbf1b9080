// Which variations the first probe round builds alone: the strongest evidence
// of each differing artifact or, when no artifact shows any, the variation that
// most often breaks real packages (priors.ts). Pure.
import type { ArtifactEvidence, Suspected } from '../../reports/model.js';
import { byPrior } from './priors.js';

export const MAX_SUSPECTS = 3;

export function chooseSuspects(evidence: readonly ArtifactEvidence[], varied: readonly string[], max = MAX_SUSPECTS): string[] {
  const tally = new Map<string, { artifacts: number; score: number }>();
  let withoutEvidence = 0;
  for (const e of evidence) {
    const top = e.suspects[0]?.score;
    const strongest = e.suspects.filter((s) => s.score === top && varied.includes(s.variation));
    if (strongest.length === 0) withoutEvidence++;
    for (const s of strongest) {
      const t = tally.get(s.variation) ?? { artifacts: 0, score: 0 };
      tally.set(s.variation, { artifacts: t.artifacts + 1, score: t.score + s.score });
    }
  }
  const ranked = byPrior([...tally.keys()]).sort((a, b) => tally.get(b)!.artifacts - tally.get(a)!.artifacts || tally.get(b)!.score - tally.get(a)!.score);
  const chosen = ranked.slice(0, max);
  // Note: a prior only when no artifact shows evidence. When some do, an artifact that
  // shows none is often their consequence (hello's -dbgsym differs only in the build ID
  // of a binary whose year changed): the complement probe tells whether anything else
  // changes it, and a guessed prior would only cost a probe.
  if (withoutEvidence > 0 && chosen.length === 0) {
    const prior = byPrior(varied).find((v) => !chosen.includes(v));
    if (prior) chosen.push(prior);
  }
  return chosen;
}

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
      if (confirmed.some((c) => c.variations.length === 1 && c.variations[0] === s.variation && c.artifacts.includes(e.artifact))) continue;
      const entry = byVariation.get(s.variation) ?? { artifacts: [], evidence: [] };
      entry.artifacts.push(e.artifact);
      entry.evidence.push(s.summary);
      byVariation.set(s.variation, entry);
    }
  }
  return byPrior([...byVariation.keys()]).map((variation) => ({ variation, ...byVariation.get(variation)! }));
}
