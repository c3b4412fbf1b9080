// A Debian build that failed in its test suite on the faked clock (the time
// variation) is named as such, with the option that skips the tests: such a
// failure says nothing about what the build ships (Debian's pv 1.6.20-1: its
// numeric-timer test fails under libfaketime, so no verdict at all).
import type { BuildResult, ErrorInfo } from '../../reports/model.js';
import type { PackageOptions } from '../options.js';

// What debhelper and make print when the test target fails: dh_auto_test's own
// error, or make's for an override_dh_auto_test.
const TEST_SUITE_FAILED = [/^dh_auto_test: error: /, /\*\*\* \[[^\]]*override_dh_auto_test\]/];

/** The build failure, with the test suite and the faked clock named when that is where it failed. */
export function withTestSuiteHint(
  options: PackageOptions,
  builds: readonly BuildResult[],
  failure: ErrorInfo,
): ErrorInfo {
  if (failure.code !== 'build-failed' || options.preset !== 'debian') return failure;
  const inTests = builds.some(
    (b) =>
      b.exitCode !== 0 &&
      !b.timedOut &&
      b.values['time'] !== undefined &&
      b.logTail.some((line) => TEST_SUITE_FAILED.some((pattern) => pattern.test(line))),
  );
  if (!inTests) return failure;
  return {
    ...failure,
    message:
      `${failure.message}: it failed in the package's test suite (dh_auto_test), run under a faked clock ` +
      `(the time variation); tests can fail there while the packages are reproducible: DEB_BUILD_OPTIONS=nocheck ` +
      `skips them (check and sweep add it unless --with-tests)`,
  };
}
