// The history of many runs: each package's verdict in each of the recent runs,
// where it regressed or was fixed, and whether it flaps. history.json is this,
// verbatim; the page (page.ts) is a pure view of it. It is also the store the
// nightly appends to: the last history.json plus tonight's results.json make
// the next one, so no night's full results need keeping. @2 added each cell's
// issue types (the run's diagnoses) and what those types are; @1 is still read.
import { TwinbuildError } from '../../core/errors.js';
import type { RunResult, Verdict } from '../model.js';

export const HISTORY_SCHEMA = 'twinbuild/history@2';
export const HISTORY_SCHEMA_V1 = 'twinbuild/history@1';
/** Runs kept: the most recent this many, by their recorded start time. */
export const DEFAULT_WINDOW = 60;
/** A package flaps when its verdict changed at least this many times in the window. */
export const FLAP_CHANGES = 3;

export type Change = 'regression' | 'fix';

/** One package in one run; null in `cells` where the run has no result for it. */
export type HistoryCell = Readonly<{
  verdict: Verdict;
  /** regression: passed in its previous run in the window and not now; fix: the reverse. */
  change: Change | null;
  /** The package's first diffoscope (or built-in diff) page in that run, if any. */
  diffoscope: string | null;
  /** The issue types diagnosed in that run (catalogue ids, sorted); empty when none or not diagnosed. */
  issues: readonly string[];
}>;

/** A known issue type as the runs' diagnoses named it (the latest run's words). */
export type HistoryIssueType = Readonly<{ id: string; title: string; fix: string; link: string | null }>;

export type HistoryRun = Readonly<{
  /** startedAt and seed: one run read twice (an input given again) is one column. */
  id: string;
  startedAt: string;
  finishedAt: string;
  command: string;
  /** That run's index.html: a URL, or a path relative to history.json; null when it has none. */
  report: string | null;
  summary: Readonly<{ total: number; reproducible: number; unreproducible: number; error: number }>;
  /** false for a run written before diagnoses (results @1/@2, history @1): its cells name no issue types. */
  diagnosed: boolean;
}>;

export type HistoryPackage = Readonly<{
  name: string;
  /** One per run, in the order of `runs` (oldest first). */
  cells: readonly (HistoryCell | null)[];
  /** Verdict changes between consecutive results in the window (runs without one are skipped). */
  changes: number;
  regressions: number;
  fixes: number;
  flapping: boolean;
  /** The verdict in the latest run that has one. */
  latest: Verdict;
}>;

export type History = Readonly<{
  schema: typeof HISTORY_SCHEMA;
  window: number;
  flapChanges: number;
  runs: readonly HistoryRun[];
  packages: readonly HistoryPackage[];
  /** Every issue type some cell names, by id. */
  issueTypes: readonly HistoryIssueType[];
}>;

type Outcome = Readonly<{ verdict: Verdict; diffoscope: string | null; issues: readonly string[] }>;

/** One run as the history reads it: its envelope, each package's verdict, page and issue types, and those types. */
export type RunColumn = Readonly<{
  run: HistoryRun;
  outcomes: ReadonlyMap<string, Outcome>;
  issueTypes: readonly HistoryIssueType[];
}>;

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const passes = (verdict: Verdict) => verdict === 'reproducible' || verdict === 'verified';

/** Where a results.json's own files are, as links: `report` its index.html (or null), `page` one of its relative paths. */
export type RunLinks = Readonly<{ report: string | null; page: (relativePath: string) => string }>;

// A results.json of a check, a sweep or merged shards is one column; `diagnosed`
// is false for results written before diagnoses (@1, @2).
export function columnFromResults(result: RunResult, links: RunLinks, diagnosed = true): RunColumn {
  const outcomes = new Map<string, Outcome>();
  const issueTypes = new Map<string, HistoryIssueType>();
  for (const pkg of result.packages) {
    const diff =
      pkg.diffoscope.find((d) => d.status === 'differences' && (d.html ?? d.text)) ??
      pkg.diffoscope.find((d) => d.html ?? d.text);
    const page = diff ? (diff.html ?? diff.text) : null;
    for (const d of pkg.diagnoses) issueTypes.set(d.type, { id: d.type, title: d.title, fix: d.fix, link: d.link });
    const issues = [...new Set(pkg.diagnoses.map((d) => d.type))].sort(byName);
    outcomes.set(pkg.name, { verdict: pkg.verdict, diffoscope: page ? links.page(page) : null, issues });
  }
  const { total, reproducible, unreproducible, error } = result.summary;
  return {
    run: {
      id: `${result.startedAt} ${result.seed}`,
      startedAt: result.startedAt,
      finishedAt: result.finishedAt,
      command: result.command,
      report: links.report,
      summary: { total, reproducible, unreproducible, error },
      diagnosed,
    },
    outcomes,
    issueTypes: [...issueTypes.values()],
  };
}

// An earlier history.json gives back its columns; `rebase` moves its relative links to the new output.
export function columnsFromHistory(history: History, rebase: (href: string) => string): RunColumn[] {
  return history.runs.map((run, i) => {
    const outcomes = new Map<string, Outcome>();
    for (const pkg of history.packages) {
      const cell = pkg.cells[i];
      if (cell)
        outcomes.set(pkg.name, {
          verdict: cell.verdict,
          diffoscope: cell.diffoscope === null ? null : rebase(cell.diffoscope),
          issues: cell.issues,
        });
    }
    const report = run.report === null ? null : rebase(run.report);
    return { run: { ...run, report }, outcomes, issueTypes: history.issueTypes };
  });
}

function packageRow(name: string, columns: readonly RunColumn[], flapChanges: number): HistoryPackage {
  let previous: Verdict | null = null;
  let changes = 0;
  let regressions = 0;
  let fixes = 0;
  const cells = columns.map((column): HistoryCell | null => {
    const outcome = column.outcomes.get(name);
    if (!outcome) return null;
    let change: Change | null = null;
    if (previous !== null && previous !== outcome.verdict) {
      changes++;
      if (passes(previous) && !passes(outcome.verdict)) change = 'regression';
      if (!passes(previous) && passes(outcome.verdict)) change = 'fix';
    }
    if (change === 'regression') regressions++;
    if (change === 'fix') fixes++;
    previous = outcome.verdict;
    return { verdict: outcome.verdict, change, diffoscope: outcome.diffoscope, issues: outcome.issues };
  });
  return { name, cells, changes, regressions, fixes, flapping: changes >= flapChanges, latest: previous! };
}

// Columns in the order of their recorded start (a run given twice counts once, the later input's copy), the last `window` kept.
export function buildHistory(
  columns: readonly RunColumn[],
  window = DEFAULT_WINDOW,
  flapChanges = FLAP_CHANGES,
): History {
  const unique = new Map<string, RunColumn>();
  for (const column of columns) {
    unique.delete(column.run.id);
    unique.set(column.run.id, column);
  }
  const ordered = [...unique.values()]
    .map((column, input) => ({ column, input }))
    .sort(
      (a, b) =>
        byName(a.column.run.startedAt, b.column.run.startedAt) ||
        byName(a.column.run.finishedAt, b.column.run.finishedAt) ||
        a.input - b.input,
    )
    .map((c) => c.column)
    .slice(-window);
  const names = [...new Set(ordered.flatMap((c) => [...c.outcomes.keys()]))].sort(byName);
  const packages = names.map((name) => packageRow(name, ordered, flapChanges));
  // The latest run's words for each type; only the types some kept cell names.
  const named = new Set(packages.flatMap((p) => p.cells.flatMap((c) => c?.issues ?? [])));
  const types = new Map(ordered.flatMap((c) => c.issueTypes).map((t) => [t.id, t]));
  return {
    schema: HISTORY_SCHEMA,
    window,
    flapChanges,
    runs: ordered.map((c) => c.run),
    packages,
    issueTypes: [...types.values()].filter((t) => named.has(t.id)).sort((a, b) => byName(a.id, b.id)),
  };
}

/** One issue type across the history: which packages showed it in some run, and which still do in their latest result. */
export type IssueCount = Readonly<{
  type: HistoryIssueType;
  /** Every package diagnosed with it in some run of the window, by name. */
  packages: readonly string[];
  /** Those whose latest result still shows it. */
  now: readonly string[];
}>;

// Packages per issue type across the runs (as Debian's issue pages count them), most first.
export function issueCounts(history: History): IssueCount[] {
  return history.issueTypes
    .map((type) => {
      const having = history.packages.filter((p) => p.cells.some((c) => c?.issues.includes(type.id)));
      const latestCell = (p: HistoryPackage) => [...p.cells].reverse().find((c) => c !== null);
      return {
        type,
        packages: having.map((p) => p.name),
        now: having.filter((p) => latestCell(p)?.issues.includes(type.id)).map((p) => p.name),
      };
    })
    .filter((c) => c.packages.length > 0)
    .sort(
      (a, b) => b.packages.length - a.packages.length || b.now.length - a.now.length || byName(a.type.id, b.type.id),
    );
}

const VERDICTS: readonly Verdict[] = ['reproducible', 'unreproducible', 'verified', 'mismatch', 'error'];
const isString = (v: unknown): v is string => typeof v === 'string';
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A link the page may carry: a relative path or an http(s) URL (never javascript: or data:). */
const isLink = (v: unknown): boolean => isString(v) && (!/^[a-z][a-z0-9+.-]*:/i.test(v) || /^https?:\/\//i.test(v));

function validRun(run: unknown): boolean {
  if (!isRecord(run) || !isRecord(run['summary'])) return false;
  return (
    isString(run['id']) &&
    isString(run['startedAt']) &&
    isString(run['finishedAt']) &&
    isString(run['command']) &&
    (run['report'] === null || isLink(run['report']))
  );
}

function validCell(cell: unknown, v1: boolean): boolean {
  if (cell === null) return true;
  return (
    isRecord(cell) &&
    VERDICTS.includes(cell['verdict'] as Verdict) &&
    (cell['diffoscope'] === null || isLink(cell['diffoscope'])) &&
    (v1 || (Array.isArray(cell['issues']) && cell['issues'].every(isString)))
  );
}

const validIssueType = (t: unknown): boolean =>
  isRecord(t) &&
  isString(t['id']) &&
  isString(t['title']) &&
  isString(t['fix']) &&
  (t['link'] === null || (isString(t['link']) && /^https?:\/\//i.test(t['link'])));

// A history@1 (before diagnoses) in @2's shape: no cell names an issue type, no run was diagnosed.
function upgradeV1(parsed: Record<string, unknown>): History {
  const history = parsed as unknown as History;
  return {
    ...history,
    schema: HISTORY_SCHEMA,
    runs: history.runs.map((run) => ({ ...run, diagnosed: false })),
    packages: history.packages.map((pkg) => ({ ...pkg, cells: pkg.cells.map((c) => c && { ...c, issues: [] }) })),
    issueTypes: [],
  };
}

// A history.json read back (the store), @2 or @1: refused in one line unless its shape is right.
export function parseHistory(parsed: unknown, path: string): History {
  const bad = (what: string) => new TwinbuildError('config', `${path} is not a usable twinbuild history: ${what}`);
  if (!isHistory(parsed) || !isRecord(parsed))
    throw bad(`expected "schema": "${HISTORY_SCHEMA}" (or "${HISTORY_SCHEMA_V1}")`);
  const v1 = parsed['schema'] === HISTORY_SCHEMA_V1;
  const { runs, packages, issueTypes } = parsed;
  if (
    !Array.isArray(runs) ||
    !runs.every(validRun) ||
    !runs.every((r: unknown) => v1 || (isRecord(r) && typeof r['diagnosed'] === 'boolean'))
  )
    throw bad('"runs" is not a list of runs');
  if (!Array.isArray(packages)) throw bad('"packages" is not a list');
  for (const pkg of packages) {
    if (
      !isRecord(pkg) ||
      !isString(pkg['name']) ||
      !Array.isArray(pkg['cells']) ||
      pkg['cells'].length !== runs.length ||
      !pkg['cells'].every((c) => validCell(c, v1))
    ) {
      throw bad(`package ${JSON.stringify(isRecord(pkg) ? pkg['name'] : pkg)} does not have one valid cell per run`);
    }
  }
  if (v1) return upgradeV1(parsed);
  if (!Array.isArray(issueTypes) || !issueTypes.every(validIssueType))
    throw bad('"issueTypes" is not a list of issue types (id, title, fix, and an http(s) link or null)');
  return parsed as unknown as History;
}

export const isHistory = (parsed: unknown): boolean =>
  isRecord(parsed) && (parsed['schema'] === HISTORY_SCHEMA || parsed['schema'] === HISTORY_SCHEMA_V1);
