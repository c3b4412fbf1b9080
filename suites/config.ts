// twinbuild.config.json: read, validated against the JSON Schema shipped in
// suites/ (editors can use it too), with every error naming the file, the key
// path and what was expected.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { TwinbuildError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../core/paths.js';

export const CONFIG_FILE = 'twinbuild.config.json';
export const SCHEMA_FILE = join(PACKAGE_ROOT, 'suites', 'twinbuild.config.schema.json');

export type Globs = string | string[];
export type Recipe = {
  preset?: string;
  build?: string;
  artifacts?: Globs;
  vary?: string | string[];
  timeout?: string;
  env?: Record<string, string>;
  rpmReproducibleMacros?: boolean;
};
export type PackageEntry = Recipe & { name?: string; path?: string; glob?: string };
export type IgnoreEntry = { artifacts: Globs; package?: string; variation?: string; reason: string };
export type Config = {
  defaults?: Recipe;
  packages?: PackageEntry[];
  ignore?: IgnoreEntry[];
  reporters?: ('json' | 'junit' | 'html' | 'badge' | 'console')[];
};

const configError = (file: string, message: string) => new TwinbuildError('config', `${file}: ${message}`);

/** JSON pointer `/packages/0/build` → `packages[0].build`. */
function keyPath(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return (
    parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '') ||
    '(top level)'
  );
}

function describe(error: ErrorObject): string {
  const at = keyPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${at === '(top level)' ? '' : `${at}: `}unknown key "${String(params['additionalProperty'])}"`;
    case 'required':
      return `${at}: missing key "${String(params['missingProperty'])}"`;
    case 'enum':
      return `${at}: expected one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'oneOf':
      return `${at}: expected a string or a list of strings`;
    case 'pattern':
      return `${at}: ${at.endsWith('timeout') ? 'expected a duration like 30m, 90s or 1h' : `does not match ${String(params['pattern'])}`}`;
    default:
      return `${at}: ${error.message ?? 'invalid'}`;
  }
}

let validator: (((data: unknown) => boolean) & { errors?: ErrorObject[] | null }) | undefined;

async function validate(file: string, data: unknown): Promise<Config> {
  if (!validator)
    validator = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(await readFile(SCHEMA_FILE, 'utf8')));
  if (validator(data)) return data as Config;
  // oneOf reports each failed branch too; the oneOf line says it better.
  const errors = validator.errors ?? [];
  const shown = errors.filter(
    (e) =>
      e.keyword === 'oneOf' ||
      !errors.some(
        (o) =>
          o.keyword === 'oneOf' &&
          e.instancePath.startsWith(o.instancePath) &&
          e.schemaPath.startsWith(o.schemaPath.replace(/\/oneOf$/, '')),
      ),
  );
  throw new TwinbuildError('config', `${file}: ${describe(shown[0] ?? errors[0]!)}`, {
    details: shown.slice(1).map(describe),
  });
}

/** Reads and validates a config file; any problem is a config error (exit 2). */
// Note: JSON.parse says "at position 812"; an editor wants a line and a column (both 1-based).
function withLineAndColumn(text: string, message: string): string {
  const match = / in JSON at position (\d+)/.exec(message);
  const offset = match ? Number(match[1]) : /Unexpected end of JSON input/.test(message) ? text.length : null;
  if (offset === null) return message;
  const before = text.slice(0, offset).split('\n');
  const at = `at line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
  return match ? message.replace(match[0], ` ${at}`) : `${message} ${at}`;
}

export async function loadConfig(file: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new TwinbuildError(
      'config',
      `cannot read config ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`,
      { cause },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw configError(file, `not valid JSON: ${withLineAndColumn(text, (cause as Error).message)}`);
  }
  const config = await validate(file, data);
  for (const [i, entry] of (config.packages ?? []).entries()) {
    if (!entry.path === !entry.glob)
      throw configError(file, `packages[${i}]: expected exactly one of "path" or "glob"`);
    if (entry.glob && entry.name)
      throw configError(file, `packages[${i}]: "name" cannot go with "glob" (each match is named by its path)`);
  }
  return config;
}
