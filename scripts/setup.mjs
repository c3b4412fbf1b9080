#!/usr/bin/env node
// Installs the Debian tools twinbuild uses (as root, only what is missing) and
// makes sure the experiment locale exists. Safe to run again.
import { $, fs, path } from 'zx';

$.verbose = false;
const here = path.dirname(new URL(import.meta.url).pathname);
const wanted = (await fs.readFile(path.join(here, 'debian-packages.txt'), 'utf8'))
  .split('\n')
  .map((line) => line.replace(/#.*/, '').trim())
  .filter(Boolean);

const STATUS_FORMAT = '${Status}';
const installed = async (pkg) =>
  (await $`dpkg-query -W -f=${STATUS_FORMAT} ${pkg}`.nothrow()).stdout.includes('install ok installed');
const missing = [];
for (const pkg of wanted) if (!(await installed(pkg))) missing.push(pkg);

if (missing.length === 0) {
  console.error('setup: all Debian tools present');
} else if (process.getuid?.() !== 0) {
  console.error(`setup: not root, so not installing: ${missing.join(' ')}`);
  console.error(
    `setup: run as root: apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`,
  );
  console.error('setup: twinbuild still runs; variations needing these tools are skipped with the reason');
} else {
  console.error(`setup: installing ${missing.join(' ')}`);
  $.env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await $`apt-get update -qq`.pipe(process.stderr);
  await $`apt-get install -y -qq --no-install-recommends ${missing}`.pipe(process.stderr);
}

// Note: twinbuild can generate missing experiment locales privately on every
// run (a few seconds); compiling them into the system archive once is faster.
const LOCALES = ['et_EE.UTF-8', 'fr_CH.ISO-8859-1', 'he_IL.UTF-8'];
const normalise = (charset) => charset.replace(/[^a-z0-9]/gi, '').toLowerCase();
for (const locale of LOCALES) {
  const [input, charset] = locale.split('.');
  const shown = (await $({ env: { ...process.env, LC_ALL: locale } })`locale charmap`.nothrow()).stdout.trim();
  if (normalise(shown) === normalise(charset)) continue;
  if (process.getuid?.() !== 0) {
    console.error(`setup: locale ${locale} missing (twinbuild will generate it privately on each run)`);
    continue;
  }
  console.error(`setup: generating locale ${locale}`);
  await $`localedef -i ${input} -f ${charset} ${locale}`.nothrow();
}
