// The reporters: each a pure view of the result model, chosen by name
// (`--reporter`, or `reporters` in the config). results.json is the model itself
// and is always written first; the others render from it and never re-run tools.
import { relative } from 'node:path';
import { renderBadge } from './badge.js';
import { renderConsole } from './console.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import type { RunResult } from './model.js';

export type ReportContext = Readonly<{
  /** Where report files go. */
  outDir: string;
  /** The output dir as the user should see it on the console (relative to where they ran twinbuild). */
  shownOutDir: string;
  /** The CI job's root (the working directory): JUnit attachments are relative to it. */
  jobRoot: string;
  quiet: boolean;
  layout: 'package' | 'summary';
}>;

export type Reporter = Readonly<{
  /** The file it writes in the output dir, or null for the console (stdout). */
  file: string | null;
  render: (result: RunResult, ctx: ReportContext) => string;
}>;

export const REPORTERS = {
  json: { file: 'results.json', render: (result) => JSON.stringify(result, null, 2) + '\n' },
  junit: {
    file: 'junit.xml',
    render: (result, ctx) => renderJunit(result, { outDirFromJobRoot: relative(ctx.jobRoot, ctx.outDir) || '.' }),
  },
  html: { file: 'index.html', render: (result) => renderHtml(result) },
  badge: { file: 'badge.svg', render: (result) => renderBadge(result) + '\n' },
  console: {
    file: null,
    render: (result, ctx) => renderConsole(result, { outDir: ctx.shownOutDir, quiet: ctx.quiet, layout: ctx.layout }),
  },
} as const satisfies Readonly<Record<string, Reporter>>;

export type ReporterName = keyof typeof REPORTERS;

export const REPORTER_NAMES = Object.freeze(Object.keys(REPORTERS) as ReporterName[]);

/** Every reporter: results.json, junit.xml, index.html, badge.svg and the console. */
export const DEFAULT_REPORTERS: readonly ReporterName[] = REPORTER_NAMES;

export const isReporterName = (name: string): name is ReporterName => Object.hasOwn(REPORTERS, name);
