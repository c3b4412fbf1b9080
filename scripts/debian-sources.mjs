#!/usr/bin/env node
// Fetches real Debian source packages (and installs their build dependencies)
// through a private apt directory: the deb-src line lives in our own
// sources.list, so the system's apt configuration is never changed.
//   node scripts/debian-sources.mjs [PACKAGE...]   (default: hello cjson libtry-tiny-perl)
// Prints the .dsc paths; TWINBUILD_DEBIAN_DIR sets the directory (default /var/tmp/twinbuild-debian).
import { $, fs, path } from 'zx';

$.verbose = false;
export const DEBIAN_DIR = process.env.TWINBUILD_DEBIAN_DIR ?? '/var/tmp/twinbuild-debian';
// autotools, CMake and Perl (ExtUtils::MakeMaker) build systems.
export const DEFAULT_PACKAGES = ['hello', 'cjson', 'libtry-tiny-perl'];
const SUITE = process.env.TWINBUILD_DEBIAN_SUITE ?? 'bookworm';

const aptOptions = (dir) => [
  '-o',
  `Dir::Etc::SourceList=${dir}/sources.list`,
  '-o',
  `Dir::Etc::SourceParts=${dir}/sources.list.d`,
  '-o',
  `Dir::State::Lists=${dir}/lists`,
  '-o',
  `Dir::Cache::archives=${dir}/archives`,
];

/** Downloads each source package into DIR/src and installs its build dependencies; returns package → .dsc path. */
export async function fetchSources(packages = DEFAULT_PACKAGES, dir = DEBIAN_DIR) {
  for (const sub of ['lists/partial', 'archives/partial', 'sources.list.d', 'src'])
    await fs.mkdirp(path.join(dir, sub));
  // Binary lines too: build-dep resolves the dependencies from these private lists.
  await fs.writeFile(
    path.join(dir, 'sources.list'),
    `deb http://deb.debian.org/debian ${SUITE} main\ndeb-src http://deb.debian.org/debian ${SUITE} main\n`,
  );
  const apt = aptOptions(dir);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await $({ env })`apt-get ${apt} update -qq`;
  const found = {};
  for (const pkg of packages) {
    const src = path.join(dir, 'src');
    const have = (await fs.readdir(src)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.dsc'));
    if (!have) {
      const got = await $({ cwd: src, env })`apt-get ${apt} source --download-only ${pkg}`.nothrow();
      if (got.exitCode !== 0) {
        console.error(`could not fetch ${pkg}: ${got.stderr.trim().split('\n').pop()}`);
        continue;
      }
    }
    const deps = await $({ env })`apt-get ${apt} build-dep -y -qq --no-install-recommends ${pkg}`.nothrow();
    if (deps.exitCode !== 0) {
      console.error(`could not install the build dependencies of ${pkg}: ${deps.stderr.trim().split('\n').pop()}`);
      continue;
    }
    found[pkg] = path.join(
      src,
      (await fs.readdir(src)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.dsc')),
    );
  }
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = await fetchSources(process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT_PACKAGES);
  for (const [pkg, dsc] of Object.entries(found)) console.log(`${pkg}\t${dsc}`);
}
