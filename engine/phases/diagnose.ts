// The last phase of a package that differs: the diagnosis (engine/explain/diagnose.ts),
// what to change, from diffoscope's reports and what bisect found.
import type { PackageResult } from '../../reports/model.js';
import { loadCatalogue, type Catalogue } from '../explain/catalogue.js';
import { diagnosePackage } from '../explain/read-reports.js';
import { timed, type Stage } from './stage.js';

const loaded = new Map<string, Promise<Catalogue>>();

/** The catalogue with the user's files, read once per run for each set of files. */
export function catalogueFor(files: readonly string[] = []): Promise<Catalogue> {
  const key = files.join('\u0000');
  let catalogue = loaded.get(key);
  if (!catalogue) {
    catalogue = loadCatalogue(files);
    loaded.set(key, catalogue);
    catalogue.catch(() => loaded.delete(key));
  }
  return catalogue;
}

export async function diagnosed(stage: Stage, pkg: PackageResult): Promise<PackageResult> {
  if (pkg.verdict !== 'unreproducible' && pkg.verdict !== 'mismatch') return pkg;
  return timed(stage, 'diagnose', async () => {
    const catalogue = await catalogueFor(stage.options.issueTypes);
    // The real clock while this package ran: from its start until now.
    const now = Date.now();
    const real = { from: now - (performance.now() - stage.runStarted), to: now };
    return { ...pkg, ...(await diagnosePackage(pkg, stage.options.outDir, catalogue, real)) };
  });
}
