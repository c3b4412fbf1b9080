// The git pre-push hook: checks the packages a push changes (a whole sweep for a
// new branch) with the repository's config, quiet when all is reproducible, and
// blocks the push with the verdict when not.
import { chmod, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TwinbuildError } from '../core/errors.js';

export const HOOK_MARK = '# installed by twinbuild hook install';
const SAVED = 'pre-push.before-twinbuild';

// The hook runs whichever twinbuild is on PATH at push time (never a node or
// clone path fixed at install time, which a moved clone or a new node would break),
// and treats any all-zero object name as "none", whatever the hash length
// (40 hex digits for SHA-1 repositories, 64 for SHA-256).
/** The pre-push hook script. */
export function hookScript(): string {
  return (
    `#!/bin/sh
${HOOK_MARK} (remove with: twinbuild hook uninstall)
# Checks the packages this push changes; a non-zero exit blocks the push.
# Skip once with: git push --no-verify
if ! command -v twinbuild >/dev/null 2>&1; then
  echo "twinbuild: push blocked: no twinbuild on PATH (install it, see ` +
    `twinbuild's docs/install.md; or skip this check once with git push ` +
    `--no-verify)" >&2
  exit 1
fi
all_zero() { case $1 in *[!0]*) return 1 ;; *) return 0 ;; esac; }
root=$(git rev-parse --show-toplevel) || exit 1
out="$(git rev-parse --absolute-git-dir)/twinbuild-out"
status=0
while read -r local_ref local_sha remote_ref remote_sha; do
  all_zero "$local_sha" && continue   # a deleted ref: nothing to build
  if ! all_zero "$remote_sha" && git cat-file -e "$remote_sha^{commit}" 2>/dev/null; then
    set -- --changed-since "$remote_sha"
  else
    set --
  fi
  twinbuild sweep "$root" --quiet --out "$out" "$@" || status=$?
done
if [ "$status" -ne 0 ]; then
  echo "twinbuild: push blocked (exit $status); report: $out/index.html" >&2
fi
exit $status
`
  );
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
const ours = async (path: string) => (await readFile(path, 'utf8').catch(() => '')).includes(HOOK_MARK);

export async function installHook(hooksDir: string, script: string, force: boolean): Promise<string> {
  const hook = join(hooksDir, 'pre-push');
  if ((await exists(hook)) && !(await ours(hook))) {
    if (!force)
      throw new TwinbuildError(
        'usage',
        `${hook} exists and is not twinbuild's; pass --force to set it aside (hook uninstall puts it back)`,
      );
    await rename(hook, join(hooksDir, SAVED));
  }
  await writeFile(hook, script);
  await chmod(hook, 0o755);
  return hook;
}

export async function uninstallHook(hooksDir: string): Promise<string> {
  const hook = join(hooksDir, 'pre-push');
  if (!(await exists(hook))) throw new TwinbuildError('usage', `no pre-push hook in ${hooksDir}`);
  if (!(await ours(hook))) throw new TwinbuildError('usage', `${hook} was not installed by twinbuild; not removing it`);
  await rm(hook);
  if (await exists(join(hooksDir, SAVED))) {
    await rename(join(hooksDir, SAVED), hook);
    return `removed twinbuild's pre-push hook and put back the one it replaced`;
  }
  return `removed twinbuild's pre-push hook`;
}
