// "Did you mean …?" for a mistyped command, flag, variation or preset: the
// closest known word by edit distance, when it is close enough to be a typo.

// Optimal string alignment: insertions, deletions, substitutions, and a swap of
// two neighbours (tiem → time) each count as one edit, as typos are made.
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The known word closest to `word` (at most 2 edits, and fewer than half its length), or null. */
export function closest(word: string, known: readonly string[]): string | null {
  const limit = Math.min(2, Math.floor(word.length / 2));
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** "did you mean X?" for the closest known word, or "" when none is close. */
export const didYouMean = (word: string, known: readonly string[], prefix = ''): string => {
  const match = closest(word, known);
  return match ? `did you mean ${prefix}${match}?` : '';
};

/** The same, as "; did you mean X?" to end a message with, or "". */
export const orDidYouMean = (word: string, known: readonly string[], prefix = ''): string => {
  const hint = didYouMean(word, known, prefix);
  return hint ? `; ${hint}` : '';
};
