#!/usr/bin/env node
// Runs `twinbuild check` on every bundled example and says whether each verdict
// is the expected one. Exits non-zero if any verdict is wrong.
import { $, path } from 'zx';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const examples = [
  { name: 'reproducible', expect: 0 },
  { name: 'leaks-date', expect: 1 },
  { name: 'leaks-locale-sort', expect: 1 },
];
const verdicts = { 0: 'reproducible', 1: 'unreproducible', 2: 'usage error', 3: 'error' };

let wrong = 0;
for (const example of examples) {
  console.log(`\n$ twinbuild check examples/${example.name} --build 'sh build.sh' --artifacts 'out/**'`);
  const run = await $({
    cwd: root,
    nothrow: true,
    stdio: ['ignore', 'inherit', 'inherit'],
  })`node bin/twinbuild.js check examples/${example.name} --build ${'sh build.sh'} --artifacts ${'out/**'} \
--out ${`twinbuild-out/${example.name}`}`;
  const ok = run.exitCode === example.expect;
  if (!ok) wrong++;
  console.log(
    `→ exit ${run.exitCode} (${verdicts[run.exitCode] ?? 'unknown'}): ${ok ? 'as expected' : `EXPECTED exit ${example.expect}`}`,
  );
}
console.log(
  `\ndemo: ${examples.length - wrong} of ${examples.length} examples gave the expected verdict; reports in twinbuild-out/`,
);
process.exitCode = wrong === 0 ? 0 : 1;
