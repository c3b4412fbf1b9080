#!/usr/bin/env node
// Commits the installable package (what `npm pack` ships: bin/, dist/bundle/,
// adapters/enter.sh, the schema, LICENSE, man page, completions) to the git branch
// `dist` (or the one named), so that
//   npm install --global 'git+https://…/twinbuild.git#dist'
// installs twinbuild from git with no build step. Run after `npm run build`, in a
// clean checkout: node scripts/git-dist.mjs [BRANCH]
//
// Note: npm cannot build twinbuild's sources during a global install from git:
// it prepares a git dependency by running `npm install` in the clone, which
// inherits --global (npm 10 and 11), so the devDependencies (tsc, esbuild) never
// arrive, and the clone itself is linked into the global prefix while the outer
// install writes there. A branch holding the built package has no scripts, so
// npm installs it like a tarball. Nothing generated is committed to the source branch.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const branch = process.argv[2] ?? 'dist';
const git = (args, env = {}) =>
  execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8', env: { ...process.env, ...env } }).trim();

if (git(['status', '--porcelain', '--untracked-files=no']))
  throw new Error('git-dist: commit or stash your changes first (the dist commit names its source commit)');
const source = git(['rev-parse', 'HEAD']);
const work = mkdtempSync(join(tmpdir(), 'twinbuild-git-dist-'));
try {
  // `npm pack` decides what ships (package.json "files"); --ignore-scripts: dist/ is already built.
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: ROOT,
      encoding: 'utf8',
    }),
  )[0];
  const tree = join(work, 'package');
  execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', work]);
  const manifest = JSON.parse(readFileSync(join(tree, 'package.json'), 'utf8'));
  // No scripts (npm would prepare again) and no devDependencies: this tree is what gets installed.
  delete manifest.scripts;
  delete manifest.devDependencies;
  writeFileSync(join(tree, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const index = { GIT_INDEX_FILE: join(work, 'index') };
  git(['--work-tree', tree, 'add', '--all', '--force', '.'], index);
  const treeId = git(['write-tree'], index);
  const parent = (() => {
    try {
      return git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
    } catch {
      return '';
    }
  })();
  const message = `twinbuild ${manifest.version}, built from ${source}`;
  const commit = git(['commit-tree', treeId, ...(parent ? ['-p', parent] : []), '-m', message]);
  git(['update-ref', `refs/heads/${branch}`, commit]);
  console.log(`${branch}: ${commit.slice(0, 12)} ${message} (${packed.entryCount} files)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
