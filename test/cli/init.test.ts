// `twinbuild init`: a commented config for the packages discovery finds, that
// the config loader accepts and a sweep runs; never over a config that exists.
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { expect } from 'chai';
import { loadConfig, SCHEMA_FILE } from '../../suites/config.js';
import { cleanupTemp, REPO_ROOT, runCli, tempDir } from '../helpers.js';
import { debianPackage, npmPackage, writeFiles } from '../suites/fixtures.js';

const init = (root: string) => runCli(['init', root], { withOut: false });

describe('init: a commented twinbuild.config.json', function () {
  this.timeout(180_000);
  after(cleanupTemp);

  it('lists each package it finds, with $comment notes the schema accepts', async () => {
    const root = await tempDir();
    await debianPackage(join(root, 'debian-pkgs', 'tinyhello'));
    await npmPackage(join(root, 'web'));
    await npmPackage(join(root, 'web', 'node_modules', 'left-out'));
    const run = await init(root);
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/wrote .*twinbuild\.config\.json \(2 packages: debian-pkgs-tinyhello, web\)/);
    const text = await readFile(join(root, 'twinbuild.config.json'), 'utf8');
    const config = JSON.parse(text) as {
      $comment: string[];
      packages: { $comment: string; path: string; preset: string }[];
    };
    expect(config.packages.map(({ path, preset }) => ({ path, preset }))).to.deep.equal([
      { path: 'debian-pkgs/tinyhello', preset: 'debian' },
      { path: 'web', preset: 'npm' },
    ]);
    expect(config.packages[0]?.$comment).to.match(/debian\/control/);
    expect(config.$comment.join(' ')).to.match(/2 package/);
    const loaded = await loadConfig(join(root, 'twinbuild.config.json'));
    expect(loaded.packages).to.have.length(2);
  });

  // The schema an editor would load: "$schema" resolved against the config file.
  const schemaOf = async (root: string) => {
    const { $schema } = JSON.parse(await readFile(join(root, 'twinbuild.config.json'), 'utf8')) as { $schema: string };
    return { ref: $schema, text: await readFile(resolve(root, $schema), 'utf8') };
  };

  it('points "$schema" into ./node_modules/twinbuild when twinbuild is installed there, and it resolves', async () => {
    const root = await tempDir();
    await npmPackage(join(root, 'web'));
    await mkdir(join(root, 'node_modules'));
    await symlink(REPO_ROOT, join(root, 'node_modules', 'twinbuild'));
    expect((await init(root)).exitCode).to.equal(0);
    const schema = await schemaOf(root);
    expect(schema.ref).to.equal('./node_modules/twinbuild/suites/twinbuild.config.schema.json');
    expect(schema.text).to.equal(await readFile(SCHEMA_FILE, 'utf8'));
  });

  it('else points "$schema" at the running twinbuild\'s schema, by a relative path that resolves', async () => {
    const root = await tempDir();
    await npmPackage(join(root, 'web'));
    expect((await init(root)).exitCode).to.equal(0);
    const schema = await schemaOf(root);
    expect(schema.ref).to.match(/^\.\.\/.*\/suites\/twinbuild\.config\.schema\.json$/);
    expect(resolve(root, schema.ref)).to.equal(SCHEMA_FILE);
    expect(JSON.parse(schema.text)).to.have.property('$schema', 'http://json-schema.org/draft-07/schema#');
    expect(dirname(SCHEMA_FILE)).to.equal(join(REPO_ROOT, 'suites'));
  });

  it('writes a config that twinbuild sweep runs as it is', async () => {
    const root = await tempDir();
    await npmPackage(join(root, 'web'));
    expect((await init(root)).exitCode).to.equal(0);
    const sweep = await runCli(['sweep', root, '--vary=-all,+umask', '--quiet']);
    expect(sweep.exitCode, sweep.stderr + sweep.stdout).to.equal(0);
    expect(sweep.stdout).to.match(/1\/1 reproducible/);
  });

  it('refuses to overwrite an existing config (exit 2) and leaves it as it was', async () => {
    const root = await tempDir();
    await npmPackage(join(root, 'web'));
    await writeFiles(root, { 'twinbuild.config.json': '{"packages":[]}\n' });
    const run = await init(root);
    expect(run.exitCode).to.equal(2);
    expect(run.stderr.trim().split('\n')).to.have.length(1);
    expect(run.stderr).to.match(/twinbuild\.config\.json exists; not overwriting it/);
    expect(await readFile(join(root, 'twinbuild.config.json'), 'utf8')).to.equal('{"packages":[]}\n');
  });

  it('says so (exit 2) when there is nothing to list', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'README'), 'no packages here\n');
    const run = await init(root);
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.match(/no packages found under .*write twinbuild\.config\.json by hand \(docs\/sweeps\.md\)/);
  });
});
