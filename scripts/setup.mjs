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
const installed = async (pkg) => (await $`dpkg-query -W -f=${STATUS_FORMAT} ${pkg}`.nothrow()).stdout.includes('install ok installed');
const missing = [];
for (const pkg of wanted) if (!(await installed(pkg))) missing.push(pkg);

if (missing.length === 0) {
  console.error('setup: all Debian tools present');
} else if (process.getuid?.() !== 0) {
  console.error(`setup: not root, so not installing: ${missing.join(' ')}`);
  console.error(`setup: run as root: apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`);
  console.error('setup: twinbuild still runs; variations needing these tools are skipped with the reason');
} else {
  console.error(`setup: installing ${missing.join(' ')}`);
  $.env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await $`apt-get update -qq`.pipe(process.stderr);
  await $`apt-get install -y -qq --no-install-recommends ${missing}`.pipe(process.stderr);
}

// Note: twinbuild can generate a missing locale privately on every run (≈3 s);
// compiling it into the system archive once makes checks faster.
const locales = (await $`locale -a`.nothrow()).stdout.toLowerCase();
if (!locales.includes('et_ee.utf8') && process.getuid?.() === 0) {
  console.error('setup: generating locale et_EE.UTF-8');
  await $`localedef -i et_EE -f UTF-8 et_EE.UTF-8`.nothrow();
}
