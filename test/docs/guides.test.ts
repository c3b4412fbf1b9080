// The guides' commands run, so the docs cannot rot. A fenced block tagged `sh run`
// (`sh run exit=N` for another exit status than 0) in README.md or docs/*.md runs
// with `sh -e`, in document order, in one fresh directory per document holding a copy
// of examples/, with this checkout's bin/ first on PATH. When the next fenced block is
// tagged `text output`, the block's stdout must match it line by line, `…` standing
// for any text (a line of its own: any number of lines). A guide with no runnable
// block is listed in NOT_RUNNABLE with the reason. And every relative link of
// README.md, CONTRIBUTING.md and docs/*.md points at a file, and heading, that exist.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { realProcesses } from '../../adapters/process.js';
import { cleanupTemp, EXAMPLES, onPath, REPO_ROOT, requireOrSkip, tempDir } from '../helpers.js';

/** Guides without a runnable block, and why. */
const NOT_RUNNABLE: Readonly<Record<string, string>> = {
  'docs/README.md': 'the index of the guides',
  'docs/install.md': 'installing changes the machine (npm --global, docker build); test/cli/install-*.test.ts do each',
  'docs/gitlab-ci.md': 'needs a GitLab runner; test/gitlab/ runs the templates in gitlab-ci-local',
  'docs/architecture.md': 'no commands; test/architecture.test.ts checks the layers',
  'docs/dnf.md':
    'sets up dnf system-wide; test/e2e/dnf-intoto.test.ts does every step with a real dnf in a private root',
};

/** Files another branch of issue 33 adds: a link to one is accepted while it is missing, checked once it exists. */
const PENDING: Readonly<Record<string, string>> = {};

type Block = Readonly<{ line: number; info: string[]; body: string }>;
type Runnable = Readonly<{ line: number; body: string; exit: number; output: string | null }>;

/** The fenced blocks of a markdown text (also those indented in a list), with their info words and first line number. */
export function fencedBlocks(markdown: string): Block[] {
  return scan(markdown).blocks;
}

/** The lines outside fenced blocks, for headings and links. */
const prose = (markdown: string) => scan(markdown).prose.join('\n');

function scan(markdown: string): { blocks: Block[]; prose: string[] } {
  const blocks: Block[] = [];
  const outside: string[] = [];
  let open: { line: number; indent: number; info: string[]; lines: string[] } | null = null;
  markdown.split('\n').forEach((text, index) => {
    const fence = /^( *)```(.*)$/.exec(text);
    if (!open) {
      if (fence) open = { line: index + 1, indent: fence[1]!.length, info: fence[2]!.trim().split(/\s+/), lines: [] };
      else outside.push(text);
      return;
    }
    if (fence && fence[2]!.trim() === '') {
      blocks.push({ line: open.line, info: open.info, body: open.lines.join('\n') });
      open = null;
      return;
    }
    open.lines.push(text.slice(Math.min(open.indent, /^ */.exec(text)![0].length)));
  });
  return { blocks, prose: outside };
}

/** The `sh run` blocks, each with its expected exit status and the `text output` block after it, if any. */
export function runnableBlocks(markdown: string): Runnable[] {
  const blocks = fencedBlocks(markdown);
  return blocks.flatMap((block, i) => {
    if (block.info[0] !== 'sh' || block.info[1] !== 'run') return [];
    const exit = /^exit=(\d+)$/.exec(block.info[2] ?? 'exit=0');
    if (!exit || block.info.length > 3)
      throw new Error(`line ${block.line}: unknown run options ${block.info.join(' ')}`);
    const next = blocks[i + 1];
    const output = next?.info[0] === 'text' && next.info[1] === 'output' ? next.body : null;
    return [{ line: block.line, body: block.body, exit: Number(exit[1]), output }];
  });
}

/** Whether `actual` matches the shown output: line by line, `…` any text, a `…` line any number of lines. */
export function matchesOutput(shown: string, actual: string): boolean {
  const want = shown.replace(/\n$/, '').split('\n');
  const have = actual.replace(/\n$/, '').split('\n');
  const pattern = (line: string) =>
    new RegExp(
      `^${line
        .split('…')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
  const match = (w: number, h: number): boolean => {
    if (w === want.length) return h === have.length;
    if (want[w]!.trim() === '…') return match(w + 1, h) || (h < have.length && match(w, h + 1));
    return h < have.length && pattern(want[w]!).test(have[h]!) && match(w + 1, h + 1);
  };
  return match(0, 0);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const slug = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n ? `${slug}-${n}` : slug);
  }
  return anchors;
}

/** The relative links of a markdown text, outside fenced blocks and code spans. */
export function relativeLinks(markdown: string): string[] {
  const text = prose(markdown).replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

const DOCS = [
  'README.md',
  ...(await readdir(join(REPO_ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
];
const read = (doc: string) => readFile(join(REPO_ROOT, doc), 'utf8');
const BLOCKS = new Map(await Promise.all(DOCS.map(async (doc) => [doc, runnableBlocks(await read(doc))] as const)));

/** Runs one document's blocks in order in a fresh directory; returns a failure per block that did not do what it shows. */
async function runDocument(doc: string, blocks: readonly Runnable[]): Promise<string[]> {
  const dir = await tempDir('tb-guide-');
  await cp(EXAMPLES, join(dir, 'examples'), { recursive: true });
  const env = { ...process.env, PATH: `${join(REPO_ROOT, 'bin')}:${process.env['PATH'] ?? ''}` } as Record<
    string,
    string
  >;
  const failures: string[] = [];
  for (const block of blocks) {
    const run = await realProcesses.capture(['sh', '-e', '-c', block.body], { cwd: dir, env, timeoutMs: 240_000 });
    const where = `${doc}:${block.line}`;
    if (run.exitCode !== block.exit)
      failures.push(`${where}: exit ${run.exitCode}, expected ${block.exit}\n${run.stdout}${run.stderr.slice(-2000)}`);
    else if (block.output !== null && !matchesOutput(block.output, run.stdout))
      failures.push(
        `${where}: stdout does not match the output shown\n--- shown\n${block.output}--- printed\n${run.stdout}`,
      );
  }
  return failures;
}

describe('the guides', function () {
  this.timeout(600_000);
  after(cleanupTemp);

  it('every guide has a runnable block, or is listed with the reason it has none', async () => {
    for (const doc of DOCS) {
      const runnable = (BLOCKS.get(doc) ?? []).length > 0;
      if (doc in NOT_RUNNABLE) expect(runnable, `${doc} has runnable blocks: take it off NOT_RUNNABLE`).to.equal(false);
      else expect(runnable, `${doc} has no \`sh run\` block and is not in NOT_RUNNABLE`).to.equal(true);
    }
    for (const listed of Object.keys(NOT_RUNNABLE)) expect(DOCS, `${listed} is listed but gone`).to.include(listed);
  });

  it('the output matcher holds a shown line to the printed one, and … to what varies', () => {
    expect(matchesOutput('a\n  seed … · b\n', 'a\n  seed 42 · b\n')).to.equal(true);
    expect(matchesOutput('a\n…\nz\n', 'a\nb\nc\nz\n')).to.equal(true);
    expect(matchesOutput('a\n…\n', 'a\n')).to.equal(true);
    expect(matchesOutput('a\nz\n', 'a\nb\nz\n'), 'a line left out without …').to.equal(false);
    expect(matchesOutput('a\n', 'a\nb\n'), 'more printed than shown').to.equal(false);
    expect(matchesOutput('a (b)\n', 'a (c)\n')).to.equal(false);
  });

  for (const [doc, blocks] of BLOCKS) {
    if (blocks.length === 0) continue;
    it(`${doc}: its ${blocks.length} \`sh run\` block(s) exit as shown and print what is shown`, async function () {
      // The outputs shown are those of a machine with every tool (twinbuild doctor).
      requireOrSkip(
        this,
        Boolean(await onPath('diffoscope')),
        'diffoscope not found (Debian package diffoscope-minimal)',
      );
      expect(await runDocument(doc, blocks)).to.deep.equal([]);
    });
  }

  it('every relative link of README.md, CONTRIBUTING.md and docs/*.md points at a file and heading that exist', async () => {
    const broken: string[] = [];
    for (const doc of [...DOCS, 'CONTRIBUTING.md']) {
      for (const link of relativeLinks(await read(doc))) {
        const [path = '', anchor] = link.split('#');
        const target = path ? resolve(dirname(join(REPO_ROOT, doc)), decodeURIComponent(path)) : join(REPO_ROOT, doc);
        const name = relative(REPO_ROOT, target);
        if (!existsSync(target)) {
          if (!(name in PENDING)) broken.push(`${doc}: ${link} (no ${name})`);
          continue;
        }
        if (anchor && !anchorsOf(await readFile(target, 'utf8')).has(anchor))
          broken.push(`${doc}: ${link} (no heading #${anchor} in ${name})`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it('every docs/ guide the CLI names in a message exists', async () => {
    const named = new Set<string>();
    for (const folder of ['cli', 'suites', 'rebuilder', 'engine', 'reports']) {
      const files = (await readdir(join(REPO_ROOT, folder), { recursive: true })).filter((f) => f.endsWith('.ts'));
      for (const file of files)
        for (const [doc] of (await readFile(join(REPO_ROOT, folder, file), 'utf8')).matchAll(/docs\/[a-z-]+\.md/g))
          named.add(doc);
    }
    expect([...named], 'the messages name guides').to.include.members(['docs/install.md', 'docs/sweeps.md']);
    for (const doc of named) expect(existsSync(join(REPO_ROOT, doc)), doc).to.equal(true);
  });
});
