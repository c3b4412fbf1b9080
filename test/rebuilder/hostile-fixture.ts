// Hostile Debian packages for the rebuilder's tests (issue 28): debian/rules
// reaches for the rebuilder's signing key, state, config and publish dir, by path
// and through /proc, prints what it finds into the build log (which the rebuilder
// publishes) and tries to plant a forged link. The attacks run only where the
// marker file is not visible: the official build (the test, outside twinbuild)
// makes the marker first, so only the rebuild attacks, as a package that knows it
// is being rebuilt would.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { officialUpload, type Upload } from './service-fixtures.js';

export type Targets = Readonly<{ key: string; state: string; config: string; publish: string }>;

/** The rules' recipe lines: each prints what it got, so the published log shows the attack failed. */
function attacks(t: Targets): string[] {
  return [
    `@echo "attack key: $$(head -c 40 ${t.key} 2>/dev/null || echo unreadable)"`,
    `@echo "attack key-proc: $$(for p in /proc/[0-9]*; do head -c 40 $$p/root${t.key} 2>/dev/null; done; echo end)"`,
    `@echo "attack state: $$(ls ${t.state} 2>/dev/null | tr '\\n' ' '; echo end)"`,
    `@echo "attack config: $$(head -c 40 ${t.config} 2>/dev/null || echo unreadable)"`,
    `@echo "attack processes: $$(ls -d /proc/[0-9]* | wc -l)"`,
    `@mkdir -p ${t.publish}/sources/forged/1.0 2>/dev/null && echo forged > ${t.publish}/sources/forged/1.0/metadata ` +
      `2>/dev/null && echo "attack publish: written" || echo "attack publish: denied"`,
  ];
}

/**
 * NAME 1.0 whose rebuild attacks `targets` (one marker per upload, removed after the official build).
 * `leaky` also appends the clock to the shipped script, so its rebuild never matches the official one.
 */
export async function hostileUpload(name: string, targets: readonly Targets[], leaky = false): Promise<Upload> {
  const marker = join(dirname(targets[0]!.key), `official-build-${name}`);
  const guard = (line: string) => `@test -e ${marker} || { ${line.replace(/^@/, '')}; }`;
  const lines = targets.flatMap(attacks).map(guard);
  if (leaky) lines.push(`date +%s%N >> ${name}`);
  await writeFile(marker, '');
  try {
    return await officialUpload(name, undefined, {
      'debian/rules': `#!/usr/bin/make -f\n%:\n\tdh $@\n\noverride_dh_auto_build:\n\t${lines.join('\n\t')}\n\tdh_auto_build\n`,
    });
  } finally {
    await rm(marker);
  }
}

/** Every file below `dir`, recursively. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * What a rebuilder published after building a hostile package: the log shows every
 * attack failed, nothing of the key is anywhere in it, and no forged link landed.
 */
export async function expectAttacksFailed(publish: string, key: string): Promise<void> {
  const published = await filesUnder(publish);
  const texts = await Promise.all(published.map((f) => readFile(f, 'latin1')));
  const keyText = await readFile(key, 'utf8');
  const keyLine = keyText.split('\n').find((l) => l.length > 20 && !l.startsWith('-----')) ?? keyText;
  for (const [i, text] of texts.entries()) {
    expect(text, published[i]).to.not.include(keyLine);
    expect(text, published[i]).to.not.include('BEGIN PRIVATE KEY');
  }
  const logs = texts.filter((t) => t.includes('attack key:'));
  expect(logs, 'the hostile build log is published').to.have.length.greaterThan(0);
  // Every attack line of every target says it got nothing. (The publish attack may
  // "succeed" inside the build: a path under /tmp lands in the build's private /tmp.
  // What counts is the host's publish dir, checked below.)
  const failed: Record<string, RegExp> = {
    key: /^unreadable$/,
    'key-proc': /^end$/,
    state: /^end$/,
    config: /^unreadable$/,
    processes: /^([0-9]|[1-3][0-9])$/,
  };
  for (const log of logs)
    for (const [attack, outcome] of Object.entries(failed)) {
      const lines = [...log.matchAll(new RegExp(`^attack ${attack}: (.*)$`, 'gm'))].map((m) => m[1]!.trim());
      expect(lines, `attack ${attack}`).to.not.be.empty;
      for (const line of lines) expect(line, `attack ${attack}`).to.match(outcome);
    }
  expect(
    published.some((f) => f.includes('/forged/')),
    'a forged link',
  ).to.equal(false);
}
