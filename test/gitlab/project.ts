// Runs the GitLab CI templates for real with gitlab-ci-local: a throwaway git
// project (committed, with a bare `origin`). With installFromGit its jobs install
// twinbuild themselves, as a user's job does: `npm install --global` of a git URL
// (a local clone of this checkout) into the project's private
// npm prefix; otherwise this checkout's CLI is on PATH.
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { realProcesses, type CaptureOutcome } from '../../adapters/process.js';
import { CLI, REPO_ROOT, tempDir, onPath } from '../helpers.js';
import { cloneForInstall } from '../cli/install-helpers.js';

export const TEMPLATES = join(REPO_ROOT, 'examples', 'gitlab-ci');
const GITLAB_CI_LOCAL = join(REPO_ROOT, 'node_modules', 'gitlab-ci-local', 'src', 'index.js');

// Note: the templates name an image (node:20-bookworm); there is no Docker here,
// so every job runs in the shell executor, each in its own copy of the project
// (--shell-isolation), which is also what puts artifacts in
// .gitlab-ci-local/artifacts/JOB/ as a runner would upload them. Artifacts are
// not copied back into the project, so a test sees only what the job published.
export const RUN = ['--shell-isolation', '--force-shell-executor', '--no-artifacts-to-source'] as const;

/** Why gitlab-ci-local cannot run here, or undefined when it can. */
export async function whyNoGitlabCiLocal(): Promise<string | undefined> {
  if (!existsSync(GITLAB_CI_LOCAL)) return 'gitlab-ci-local not installed (npm ci)';
  for (const [tool, pkg] of [
    ['git', 'git'],
    ['rsync', 'rsync'],
    ['bash', 'bash'],
  ] as const) {
    if (!(await onPath(tool))) return `${tool} not found (Debian package ${pkg}), which gitlab-ci-local needs`;
  }
  return undefined;
}

export type Project = Readonly<{ dir: string; home: string; bin: string; install: Record<string, string> }>;

// One clone and one npm cache per test file (cleanupTemp removes them with the
// rest): the first job's install fills the cache, the others read it.
let shared: { clone: string; cache: string } | undefined;
async function sharedInstallSource(): Promise<{ clone: string; cache: string }> {
  if (!shared || !existsSync(shared.clone))
    shared = { clone: (await cloneForInstall()).clone, cache: join(await tempDir('tb-npm-cache-'), 'cache') };
  return shared;
}

async function must(argv: string[]): Promise<void> {
  const run = await realProcesses.capture(argv);
  if (run.exitCode !== 0) throw new Error(`${argv.join(' ')} exited ${run.exitCode}: ${run.stderr}`);
}

/**
 * A git project holding `files` (path → text) and `copies` (path → a file or
 * directory to copy), committed on `main` and pushed to a bare `origin`, as
 * gitlab-ci-local wants. With installFromGit its jobs install twinbuild from
 * git as the templates do; otherwise a `twinbuild` on PATH runs this checkout's CLI.
 */
export async function gitlabProject(
  files: Record<string, string>,
  copies: Record<string, string> = {},
  installFromGit = false,
): Promise<Project> {
  const root = await tempDir('tb-gitlab-');
  const dir = join(root, 'project');
  const bin = join(root, 'bin');
  const home = join(root, 'home'); // no personal ~/.gitlab-ci-local/variables.yml
  await Promise.all([mkdir(dir), mkdir(bin), mkdir(home)]);
  if (!installFromGit) {
    await writeFile(join(bin, 'twinbuild'), `#!/bin/sh\nexec node '${CLI}' "$@"\n`);
    await chmod(join(bin, 'twinbuild'), 0o755);
  }
  const source = installFromGit ? await sharedInstallSource() : { clone: '', cache: '' };
  // Note: npm_config_ignore_scripts skips the dependencies' install scripts
  // (better-sqlite3 would compile for minutes; twinbuild does not load it to start).
  const install: Record<string, string> = !installFromGit
    ? {}
    : {
        TWINBUILD_PACKAGE: `git+file://${source.clone}`,
        // Note: one prefix per job, as on runners: parallel shards run here at once on
        // one machine, and two global installs into one prefix fail with EEXIST.
        npm_config_prefix: join(root, 'npm-prefix', '$CI_JOB_ID'),
        npm_config_cache: source.cache,
        npm_config_prefer_offline: 'true',
        npm_config_ignore_scripts: 'true',
        npm_config_logs_dir: join(root, 'npm-logs'),
      };
  for (const [path, from] of Object.entries(copies)) await cp(from, join(dir, path), { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  const git = ['git', '-C', dir, '-c', 'user.name=twinbuild tests', '-c', 'user.email=tests@twinbuild.invalid'];
  await must(['git', 'init', '-q', '-b', 'main', dir]);
  await must([...git, 'add', '-A']);
  await must([...git, 'commit', '-q', '-m', 'fixture']);
  await must(['git', 'init', '-q', '--bare', join(root, 'origin.git')]);
  await must([...git, 'remote', 'add', 'origin', join(root, 'origin.git')]);
  await must([...git, 'push', '-q', 'origin', 'main']);
  await must([...git, 'remote', 'set-head', 'origin', 'main']); // CI_DEFAULT_BRANCH
  // Note: gitlab-ci-local derives CI_PROJECT_PATH and CI_SERVER_URL from an
  // http(s) or ssh remote; `gcl-origin` gives it one without touching `origin`.
  await must([...git, 'remote', 'add', 'gcl-origin', 'https://gitlab.example.com/twinbuild/fixture.git']);
  return { dir, home, bin, install };
}

/** How many jobs installed twinbuild from git: the per-job npm prefixes holding bin/twinbuild. */
export async function installedPrefixes(project: Project): Promise<number> {
  const prefix = project.install['npm_config_prefix'];
  if (!prefix) return 0;
  const perJob = dirname(prefix);
  const jobs = existsSync(perJob) ? await readdir(perJob) : [];
  return jobs.filter((job) => existsSync(join(perJob, job, 'bin', 'twinbuild'))).length;
}

/** `--variable NAME=VALUE` for each, without gitlab-ci-local's warning about overriding predefined ones. */
export function variables(vars: Record<string, string>): string[] {
  const names = Object.keys(vars);
  if (names.length === 0) return [];
  return [
    ...Object.entries(vars).flatMap(([name, value]) => ['--variable', `${name}=${value}`]),
    '--ignore-predefined-vars',
    names.join(','),
  ];
}

/** Runs gitlab-ci-local in the project; its jobs install twinbuild from the clone's dist branch (`--variable`s win over a job's own). */
export async function gitlabCiLocal(
  project: Project,
  args: readonly string[],
  timeoutMs = 400_000,
): Promise<CaptureOutcome> {
  // Note: gitlab-ci-local refuses an absolute --cwd.
  const cwd = relative(process.cwd(), project.dir);
  const install = Object.entries(project.install).flatMap(([name, value]) => ['--variable', `${name}=${value}`]);
  return realProcesses.capture(
    ['node', GITLAB_CI_LOCAL, '--cwd', cwd, '--home', project.home, '--no-color', ...args, ...install],
    {
      timeoutMs,
      env: { ...process.env, PATH: `${project.bin}:${process.env['PATH'] ?? ''}` } as Record<string, string>,
    },
  );
}

export type ListedJob = Readonly<{
  name: string;
  stage: string;
  when: string;
  needs?: { job: string }[] | null;
  rules?: { if?: string; when?: string }[];
}>;

/** The jobs gitlab-ci-local would create for these variables (`when: never` included), after validating the file. */
export async function listJobs(project: Project, vars: Record<string, string>): Promise<ListedJob[]> {
  const run = await gitlabCiLocal(project, ['--list-json', ...variables(vars)]);
  if (run.exitCode !== 0)
    throw new Error(`gitlab-ci-local --list-json exited ${run.exitCode}:\n${run.stdout}${run.stderr}`);
  return JSON.parse(run.stdout) as ListedJob[];
}

/** `gitlab-ci-local --preview`: the configuration after include and extends, as YAML. */
export async function preview(project: Project): Promise<string> {
  const run = await gitlabCiLocal(project, ['--preview']);
  if (run.exitCode !== 0)
    throw new Error(`gitlab-ci-local --preview exited ${run.exitCode}:\n${run.stdout}${run.stderr}`);
  return run.stdout;
}

/** One top-level job's block of a preview. */
export function jobBlock(yaml: string, job: string): string {
  const lines = yaml.split('\n');
  const start = lines.indexOf(`${job}:`);
  if (start < 0) throw new Error(`no job ${job} in the preview`);
  const end = lines.findIndex((line, i) => i > start && /^\S/.test(line));
  return `${lines.slice(start, end < 0 ? undefined : end).join('\n')}\n`;
}

/** Where gitlab-ci-local put a job's artifacts (the runner's upload). */
export const artifactsOf = (project: Project, job: string) => join(project.dir, '.gitlab-ci-local', 'artifacts', job);

/** The first ```yaml block after `heading` in a Markdown file. */
export async function yamlBlockAfter(file: string, heading: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  const from = text.indexOf(`\n${heading}\n`);
  const block = from < 0 ? null : /```yaml\n([\s\S]*?)```/.exec(text.slice(from));
  if (!block?.[1]) throw new Error(`no yaml block after "${heading}" in ${file}`);
  return block[1];
}
