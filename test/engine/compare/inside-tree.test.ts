// The reader that opens artifacts as root: a directory swapped for a symlink
// after it was checked, or a file swapped for one, is still never read.
import { expect } from 'chai';
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashInsideTree, treeReader } from '../../../engine/compare/inside-tree.js';
import { isTwinbuildError } from '../../../core/errors.js';
import { cleanupTemp, tempDir } from '../../helpers.js';

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isTwinbuildError(error) && error.code === 'artifact-escapes-tree') return error.message;
    throw error;
  }
  return 'read';
}

describe('engine/compare: reading inside the build tree', () => {
  after(cleanupTemp);

  it('a directory swapped for a symlink after it was checked: the opened file is outside, so it is not read', async () => {
    const [tree, outside] = [await tempDir(), await tempDir()];
    await mkdir(join(tree, 'out'));
    await writeFile(join(tree, 'out', 'f'), 'inside');
    await writeFile(join(outside, 'f'), 'TB-OUTSIDE');
    const reader = await treeReader(tree);
    expect((await hashInsideTree(reader, 'out/f', 'artifact out/f')).size).to.equal(6); // `out` is now known to be real
    await rename(join(tree, 'out'), join(tree, 'gone'));
    await symlink(outside, join(tree, 'out'));
    expect(await refusal(hashInsideTree(reader, 'out/f', 'artifact out/f'))).to.match(
      /^artifact out\/f resolves outside the build tree \(to .*\/f\)/,
    );
    // A fresh reader sees the link on its walk.
    expect(await refusal((await treeReader(tree)).open('out/f', 'artifact out/f'))).to.match(
      /is reached through the symlinked directory out/,
    );
  });

  it('a file swapped for a symlink is not followed; ".." above the root and absolute paths are refused', async () => {
    const [tree, outside] = [await tempDir(), await tempDir()];
    await writeFile(join(outside, 'f'), 'TB-OUTSIDE');
    await symlink(join(outside, 'f'), join(tree, 'f'));
    const reader = await treeReader(tree);
    expect(await refusal(reader.open('f', 'artifact f'))).to.match(/is a symlink where a file was listed/);
    expect(await refusal(reader.resolve('a/../../f', 'artifact a/../../f'))).to.match(
      /resolves outside the build tree/,
    );
    expect(await refusal(reader.resolve('/etc/passwd', 'artifact /etc/passwd'))).to.match(
      /resolves outside the build tree/,
    );
  });

  it('a build tree whose root was replaced by a symlink is refused before anything is read', async () => {
    const [parent, outside] = [await tempDir(), await tempDir()];
    await symlink(outside, join(parent, 'pkg'));
    expect(await refusal(treeReader(join(parent, 'pkg')))).to.match(
      /^the build tree .*\/pkg was replaced by a symlink/,
    );
  });
});
