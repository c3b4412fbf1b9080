// Evidence: which varied variation a difference shows. For each differing
// artifact, each variation's control-side value is looked for on the removed
// side and its experiment value on the added side of diffoscope's text report
// (or of the raw bytes of the pair without diffoscope), in the forms builds print
// them (needles.ts). Evidence only orders bisect's work: it never names a culprit.
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  ArtifactEvidence,
  ArtifactResult,
  DiffResult,
  EvidenceHit,
  PerSide,
  Suspicion,
} from '../../reports/model.js';
import { treeReader } from '../compare/inside-tree.js';
import { needlesFor, tzOffsetMinutes, type Needle } from './needles.js';
import { zoneShiftedReadings } from './zone-shift.js';

const MAX_TEXT_BYTES = 32 * 1024 * 1024;
const MAX_RAW_BYTES = 8 * 1024 * 1024;

export type DiffSides = Readonly<{
  removed: string;
  added: string;
  orderingOnly: boolean;
  /** The control's lines are in byte (C collation) order and the experiment's are not: a locale's sort. */
  collatedApart: boolean;
}>;

const HEXDUMP = /^[0-9a-f]{8}: ((?:[0-9a-f]{2,4} ?)+?)(?: {2}|$)/;

/**
 * The removed and added sides of a diffoscope text report: its nesting (│ ├──)
 * and file headers dropped, xxd-style hex dumps decoded back into their bytes.
 */
export function diffSides(report: string): DiffSides {
  const sides = { removed: [] as string[], added: [] as string[] };
  let hexSide: 'removed' | 'added' | null = null;
  let noted = false;
  const whole = { control: [] as string[], experiment: [] as string[] };
  for (const raw of report.split('\n')) {
    const line = raw.replace(/^(?:│ ?)+/, '');
    if (/^┄ ?Ordering differences only/i.test(line)) noted = true;
    if (/^(?:---|\+\+\+) /.test(line)) continue;
    const side = line.startsWith('-') ? 'removed' : line.startsWith('+') ? 'added' : null;
    if (!side) {
      hexSide = null;
      // Context lines (" x") belong to both sides' sequences.
      if (line.startsWith(' ')) {
        whole.control.push(line.slice(1));
        whole.experiment.push(line.slice(1));
      }
      continue;
    }
    const content = line.slice(1);
    whole[side === 'removed' ? 'control' : 'experiment'].push(content);
    const hex = HEXDUMP.exec(content);
    if (hex) {
      const decoded = Buffer.from(hex[1]!.replace(/ /g, ''), 'hex').toString('latin1');
      // Consecutive dump lines are one run of bytes: a value split across two lines is found whole.
      if (hexSide === side) sides[side][sides[side].length - 1] += decoded;
      else sides[side].push(decoded);
      hexSide = side;
    } else {
      sides[side].push(content);
      hexSide = null;
    }
  }
  const removed = sides.removed.join('\n');
  const added = sides.added.join('\n');
  return {
    removed,
    added,
    orderingOnly: noted || sameLines(removed, added),
    collatedApart: collatedApart(whole.control, whole.experiment),
  };
}

/** The two files' bytes as the two sides. */
export function rawSides(control: Buffer, experiment: Buffer): DiffSides {
  const removed = control.toString('latin1');
  const added = experiment.toString('latin1');
  const lines = (s: string) => s.split('\n').filter(Boolean);
  return {
    removed,
    added,
    orderingOnly: sameLines(removed, added),
    collatedApart: collatedApart(lines(removed), lines(added)),
  };
}

const byteOrdered = (lines: readonly string[]) =>
  lines.every((l, i) => i === 0 || Buffer.compare(Buffer.from(lines[i - 1]!), Buffer.from(l)) <= 0);
const collatedApart = (control: readonly string[], experiment: readonly string[]) =>
  control.length >= 3 && byteOrdered(control) && !byteOrdered(experiment);

// Note: the same lines in another order (and something on each side) is what a shuffled directory listing leaves.
function sameLines(a: string, b: string): boolean {
  if (a === b || a.length === 0 || b.length === 0 || a.length !== b.length) return false;
  const sorted = (s: string) => s.split('\n').filter(Boolean).sort().join('\n');
  return sorted(a) === sorted(b);
}

const count = (pattern: RegExp, text: string) => (text.match(pattern) ?? []).length;
const short = (value: string) => (value.length > 40 ? `…${value.slice(-32)}` : value);
const times = (n: number) => `${n} time${n === 1 ? '' : 's'}`;

const ZONE_SHIFT = "the same instant read in each side's zone";

// Ordering is fileordering's trace; a locale's collation reorders sorted lists too, so it is a weaker second.
const ORDERING: Readonly<Record<string, number>> = { fileordering: 3, locales: 1 };

/** Scores every varied variation on one artifact; strongest first, only those with evidence. */
export function scoreArtifact(
  artifact: string,
  sides: DiffSides,
  varied: readonly string[],
  values: PerSide<Readonly<Record<string, string>>>,
): Suspicion[] {
  const found: Suspicion[] = [];
  for (const variation of varied) {
    const needles = needlesFor(variation, values.control, values.experiment);
    const hits: EvidenceHit[] = [];
    let best = { control: 0, experiment: 0 };
    const look = (side: 'control' | 'experiment', needle: Needle) => {
      const [mine, theirs] = side === 'control' ? [sides.removed, sides.added] : [sides.added, sides.removed];
      const n = count(needle.pattern, mine) - count(needle.pattern, theirs);
      if (n <= 0) return;
      hits.push({ side, form: needle.form, value: needle.value, count: n });
      best = { ...best, [side]: Math.max(best[side], needle.weight) };
    };
    for (const needle of needles.control) look('control', needle);
    for (const needle of needles.experiment) look('experiment', needle);
    if (variation === 'timezone') {
      const [from, to] = [tzOffsetMinutes(values.control['timezone']), tzOffsetMinutes(values.experiment['timezone'])];
      const shifted = from === null || to === null ? 0 : zoneShiftedReadings(sides.removed, sides.added, to - from);
      if (shifted > 0) {
        const hours = (to! - from!) / 60;
        hits.push({ side: 'experiment', form: ZONE_SHIFT, value: `${hours > 0 ? '+' : ''}${hours} h`, count: shifted });
        // Relational, and both sides take part: as strong as a formatted value on each side.
        best = { control: Math.max(best.control, 2), experiment: Math.max(best.experiment, 2) };
      }
    }
    if (sides.orderingOnly && ORDERING[variation]) {
      // Sorted bytewise on the control (C.UTF-8) and not on the experiment: the experiment's collation.
      const collated = variation === 'locales' && sides.collatedApart;
      hits.push({
        side: 'experiment',
        form: 'ordering',
        value: collated ? 'sorted in another collation' : 'ordering differences only',
        count: 1,
      });
      best = {
        ...best,
        experiment: Math.max(best.experiment, collated ? ORDERING['fileordering']! + 1 : ORDERING[variation]!),
      };
    }
    if (hits.length === 0) continue;
    found.push({
      variation,
      score: best.control + best.experiment,
      hits,
      summary: summarise(variation, artifact, hits),
    });
  }
  return found.sort((a, b) => b.score - a.score);
}

function summarise(variation: string, artifact: string, hits: readonly EvidenceHit[]): string {
  const strongest = (side: 'control' | 'experiment') =>
    hits.filter((h) => h.side === side).sort((a, b) => b.count - a.count)[0];
  const e = strongest('experiment');
  const c = strongest('control');
  if (e?.form === 'ordering') return `${variation}: ${e.value} in ${artifact}`;
  if (e?.form === ZONE_SHIFT)
    return `${variation}: ${times(e.count)} in ${artifact}, ${ZONE_SHIFT} (the experiment's time ${e.value} from the control's)`;
  const parts = [
    e ? `the experiment's ${e.form} ${short(e.value)} appears ${times(e.count)} in ${artifact}` : null,
    c
      ? `the control's ${c.form} ${short(c.value)} ` +
        `${e ? 'on the control side' : `appears ${times(c.count)} on the control side of ${artifact}`}`
      : null,
  ];
  return `${variation}: ${parts.filter(Boolean).join(', ')}`;
}

export type EvidenceOptions = Readonly<{
  outDir: string;
  dirs: PerSide<string>;
  varied: readonly string[];
  values: PerSide<Readonly<Record<string, string>>>;
}>;

/** The first `bytes` of an open file. */
async function readHead(handle: FileHandle, bytes: number): Promise<Buffer> {
  const buffer = Buffer.alloc(bytes);
  const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
  return buffer.subarray(0, bytesRead);
}

async function readBounded(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    return await readHead(handle, bytes);
  } finally {
    await handle.close();
  }
}

async function readPair(dirs: PerSide<string>, rel: string): Promise<PerSide<Buffer>> {
  const read = async (root: string) => {
    // Read only from inside the tree, as the hashing did.
    const { handle } = await (await treeReader(root)).open(rel, `artifact ${rel}`);
    try {
      return await readHead(handle, MAX_RAW_BYTES);
    } finally {
      await handle.close();
    }
  };
  const [control, experiment] = await Promise.all([read(dirs.control), read(dirs.experiment)]);
  return { control, experiment };
}

/** Evidence for each differing artifact: from diffoscope's text where it ran, else from the pair's bytes. */
export async function gatherEvidence(
  differing: readonly ArtifactResult[],
  diffs: readonly DiffResult[],
  options: EvidenceOptions,
): Promise<ArtifactEvidence[]> {
  return Promise.all(
    differing.map(async (artifact): Promise<ArtifactEvidence> => {
      const diff = diffs.find((d) => d.artifact === artifact.path);
      let sides: DiffSides | null = null;
      let source: ArtifactEvidence['source'] = 'none';
      if (diff?.tool === 'diffoscope' && diff.status === 'differences' && diff.text) {
        const report = await readBounded(join(options.outDir, diff.text), MAX_TEXT_BYTES).catch(() => null);
        if (report) [sides, source] = [diffSides(report.toString('utf8')), 'diffoscope'];
      }
      if (!sides && artifact.status === 'differs' && artifact.kind === 'file' && !artifact.escapedName) {
        const pair = await readPair(options.dirs, artifact.path).catch(() => null);
        if (pair) [sides, source] = [rawSides(pair.control, pair.experiment), 'bytes'];
      }
      return {
        artifact: artifact.path,
        source,
        suspects: sides ? scoreArtifact(artifact.path, sides, options.varied, options.values) : [],
      };
    }),
  );
}
