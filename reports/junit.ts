// junit.xml for GitLab's test report: a pure view of the result model.
// <testsuites> → a <testsuite> per package → a <testcase> per artifact (name =
// its path, unique within the suite) and per skipped variation; differences are
// <failure>, build or infrastructure errors <error>, diffoscope pages attached.
import junitReportBuilder, { type Builder } from 'junit-report-builder';
import {
  DETERMINISM_NOTE,
  artifactCause,
  artifactDiagnoses,
  artifactEvidence,
  causeSummary,
  diagnosisLine,
  diagnosisWhere,
  errorLine,
  isDeterminismCheck,
  knownDifferencesNote,
  notCopiedNote,
  sandboxNote,
} from './cause.js';
import { artifactCounts, type PackageResult, type RunResult } from './model.js';
import { checkDurationMs } from './timeline.js';

// Note: a CommonJS package; at run time the default import is the builder itself,
// while TypeScript (NodeNext) types it as the module object.
const builder = junitReportBuilder as unknown as Builder;

const MESSAGE_CHARS = 500;
const CONTENT_CHARS = 8000;
// GitLab refuses JUnit files over 30 MB; stay well under and say so when cut.
const MAX_XML_CHARS = 25 * 1024 * 1024;

/** Text safe inside XML 1.0 (attributes and CDATA): no forbidden characters, no "]]>", bounded. */
export function xmlSafe(text: string, max: number): string {
  const cleaned = text

    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/]]>/g, ']]&gt;');
  return cleaned.length > max
    ? `${cleaned.slice(0, max)}\n… (truncated by twinbuild: ${cleaned.length} characters in all)`
    : cleaned;
}

type JunitOptions = Readonly<{
  /** The output directory as seen from the CI job's root, for [[ATTACHMENT|…]] paths. */
  outDirFromJobRoot: string;
  /** Leave out diffoscope excerpts and log tails (used when the file would be too big). */
  brief?: boolean;
}>;

function addPackage(suites: Builder, pkg: PackageResult, options: JunitOptions): void {
  const suite = suites
    .testSuite()
    .name(pkg.name)
    .time(checkDurationMs(pkg) / 1000);
  // What a varied variation does not reach, so a pass is read for what it is.
  for (const v of pkg.variations.filter((x) => x.status === 'varied' && x.limits))
    suite.property(`limit: ${v.name}`, xmlSafe(v.limits!, MESSAGE_CHARS));
  // What the effectiveness probe saw on each side, the proof that each variation reached the build.
  for (const v of pkg.variations.filter((x) => x.observed)) {
    const seen = Object.keys(v.observed!.control)
      .map((c) => `${c}: ${v.observed!.control[c]} → ${v.observed!.experiment[c]}`)
      .join('; ');
    suite.property(`observed: ${v.name}`, xmlSafe(seen, MESSAGE_CHARS));
  }
  suite.property('twinbuild.sandbox', sandboxNote(pkg));
  const notCopied = notCopiedNote(pkg);
  if (notCopied) suite.property('twinbuild.not-copied', xmlSafe(notCopied, MESSAGE_CHARS));
  const varied = pkg.variations.filter((v) => v.status === 'varied').map((v) => v.name);
  // A pass with nothing varied must not read as a reproducibility pass in the CI view.
  if (isDeterminismCheck(pkg)) {
    suite.property('twinbuild.check', 'determinism');
    suite
      .testCase()
      .className(pkg.name)
      .name('determinism check (nothing varied)')
      .standardOutput(`deterministic: ${DETERMINISM_NOTE}`);
  }

  // A pass that needed the config's ignore rules must not read as a plain pass.
  const known = knownDifferencesNote(pkg);
  if (known) suite.property('twinbuild.verdict', `reproducible (${known})`);
  if (pkg.verdict === 'error') {
    const tails = (['control', 'experiment'] as const)
      .flatMap((side) => {
        const build = pkg.builds[side];
        if (!build?.logTail.length) return [];
        if (build.logTail.every((l) => l.trim() === ''))
          return [`--- the ${side} build log (${build.log}) is empty ---`];
        return [`--- last lines of the ${side} build log (${build.log}) ---`, ...build.logTail];
      })
      .join('\n');
    suite
      .testCase()
      .className(pkg.name)
      .name('build and compare')
      .error(
        xmlSafe(errorLine(pkg), MESSAGE_CHARS),
        pkg.error?.code ?? 'error',
        options.brief ? undefined : xmlSafe(tails, CONTENT_CHARS),
      );
  }
  // Past results.json's list limit only not-identical artifacts are listed; the rest are counted, with the side file named.
  const counts = artifactCounts(pkg);
  if (pkg.artifactSummary?.file) {
    suite.property(
      'twinbuild.artifacts',
      `${counts.total} compared, ${counts.notIdentical} not identical; all listed in ${pkg.artifactSummary.file}`,
    );
  }
  const unlistedDiffering = counts.notIdentical - pkg.artifacts.filter((a) => a.status !== 'identical').length;
  if (unlistedDiffering > 0) {
    suite
      .testCase()
      .className(pkg.name)
      .name(`${unlistedDiffering} more artifacts`)
      .failure(
        xmlSafe(
          `${unlistedDiffering} more artifacts are not identical, listed in ${pkg.artifactSummary?.file ?? 'the side file'}`,
          MESSAGE_CHARS,
        ),
        'differs',
      );
  }
  for (const artifact of pkg.artifacts) {
    const testCase = suite.testCase().className(pkg.name).name(artifact.path).file(artifact.path).time(0);
    if (artifact.status === 'identical') continue;
    if (artifact.ignored) {
      testCase
        .skipped()
        .standardOutput(
          xmlSafe(`ignored known difference (${artifact.status}): ${artifact.ignored.reason}`, MESSAGE_CHARS),
        );
      continue;
    }
    const diff = pkg.diffoscope.find((d) => d.artifact === artifact.path);
    const cause = artifactCause(pkg, artifact.path);
    const diagnoses = artifactDiagnoses(pkg, artifact.path);
    // What to change comes first in the message: CI views show its start.
    const message =
      `${artifact.status}: ${artifact.path}${cause ? ` (${cause})` : ''}` +
      `${diagnoses.map((d) => ` ${diagnosisLine(d)}`).join('')} — varied: ${varied.join(', ') || 'nothing'}`;
    const unclassified = pkg.unclassified.find((u) => u.artifact === artifact.path);
    const summary = causeSummary(pkg);
    // verify: the "control" side is the published file, the "experiment" the rebuild.
    const [first, second] = pkg.verify ? ['published:', 'rebuilt:  '] : ['control:   ', 'experiment:'];
    const details = [
      ...(summary ? [summary, ''] : []),
      ...diagnoses.flatMap((d) => [diagnosisLine(d), `  ${diagnosisWhere(d)}`]),
      ...(unclassified ? [`unclassified: ${unclassified.reason}`] : []),
      ...(diagnoses.length > 0 || unclassified ? [''] : []),
      `${first} ${artifact.sha256.control ?? artifact.linkTarget?.control ?? artifact.node?.control ?? '(missing)'}` +
        ` (${artifact.size.control ?? '-'} bytes)`,
      `${second} ${artifact.sha256.experiment ?? artifact.linkTarget?.experiment ?? artifact.node?.experiment ?? '(missing)'}` +
        ` (${artifact.size.experiment ?? '-'} bytes)`,
      ...artifactEvidence(pkg, artifact.path).map((shown) => `evidence: ${shown}`),
      ...(diff?.message ? [`note: ${diff.message}`] : []),
      ...(diff && !options.brief ? ['', diff.excerpt] : []),
    ].join('\n');
    testCase.failure(xmlSafe(message, MESSAGE_CHARS), artifact.status).stacktrace(xmlSafe(details, CONTENT_CHARS));
    const page = diff?.html ?? diff?.text;
    if (page) testCase.standardOutput(`[[ATTACHMENT|${options.outDirFromJobRoot}/${page}]]`);
  }
  for (const variation of pkg.variations.filter((v) => v.status === 'skipped')) {
    suite
      .testCase()
      .className(pkg.name)
      .name(`variation ${variation.name}`)
      .skipped()
      .standardOutput(xmlSafe(`skipped: ${variation.reason ?? 'unavailable'}`, MESSAGE_CHARS));
  }
}

export function renderJunit(result: RunResult, options: JunitOptions): string {
  const suites = builder.newBuilder().name('twinbuild');
  for (const pkg of result.packages) addPackage(suites, pkg, options);
  // An interrupted run must not read as green: what never finished is an error case.
  for (const name of result.incomplete?.notFinished ?? []) {
    suites
      .testSuite()
      .name(name)
      .testCase()
      .className(name)
      .name('build and compare')
      .error(xmlSafe(`not finished: ${result.incomplete!.reason}`, MESSAGE_CHARS), 'incomplete');
  }
  const xml = suites.build();
  if (xml.length > MAX_XML_CHARS && !options.brief) return renderJunit(result, { ...options, brief: true });
  return xml;
}
