// A directory of published Debian uploads (.dsc + .deb/.udeb + .buildinfo):
// one verify item per source package, for the sweep machinery.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TwinbuildError } from '../core/errors.js';
import { parseDeb822 } from './buildinfo.js';
import { readFile } from 'node:fs/promises';

export type Upload = Readonly<{ name: string; dsc: string; published: string[]; buildinfo: string | null }>;

const noEpoch = (version: string) => version.replace(/^\d+:/, '');

export async function findUploads(dir: string): Promise<Upload[]> {
  const names = (
    await readdir(dir).catch((cause: Error) => {
      throw new TwinbuildError('unreadable-source', `cannot read ${dir}: ${cause.message}`, { cause });
    })
  ).sort();
  const uploads: Upload[] = [];
  for (const dsc of names.filter((n) => n.endsWith('.dsc'))) {
    const fields = parseDeb822(await readFile(join(dir, dsc), 'utf8'));
    const source = fields.get('Source') ?? dsc.replace(/_.*$/, '');
    const version = noEpoch(fields.get('Version') ?? dsc.replace(/^[^_]*_/, '').replace(/\.dsc$/, ''));
    const binaries = (fields.get('Binary') ?? '')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    const published = names
      .filter((n) => /\.u?deb$/.test(n) && binaries.some((b) => n.startsWith(`${b}_${version}_`)))
      .map((n) => join(dir, n));
    const buildinfo = names.find((n) => n.startsWith(`${source}_${version}_`) && n.endsWith('.buildinfo'));
    if (published.length === 0) continue; // a source upload with no binaries here: nothing to verify
    uploads.push({ name: source, dsc: join(dir, dsc), published, buildinfo: buildinfo ? join(dir, buildinfo) : null });
  }
  return uploads;
}
