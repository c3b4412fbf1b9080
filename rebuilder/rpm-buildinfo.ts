// rpmreproduce's buildinfo ("Format: 0.2-rpm"): the deb822 shape of Debian's, read
// for what a rebuild checks (Checksums-Sha256 against the published files) and what
// it may take (Environment, through the same allowlist as Debian's). Its
// Installed-Build-Depends name RPM packages, of which this Debian machine has no
// database: they are counted in the report, never compared.
import { TwinbuildError } from '../core/errors.js';
import { buildinfoOf, readBuildinfoFields, type Buildinfo } from './buildinfo.js';

export type RpmBuildinfo = Buildinfo &
  Readonly<{
    format: string;
    buildArchitecture: string | null;
    buildDate: string | null;
    /** Installed-Build-Depends, one NEVRA per entry. */
    installed: readonly string[];
  }>;

export async function readRpmBuildinfo(file: string): Promise<RpmBuildinfo> {
  const fields = await readBuildinfoFields(file);
  const base = buildinfoOf(file, fields);
  const format = fields.get('Format') ?? '';
  if (!/^\d+(\.\d+)*-rpm$/.test(format)) {
    throw new TwinbuildError(
      'usage',
      `${file} is not an RPM buildinfo (Format: ${format || 'missing'}; rpmreproduce writes "Format: 0.2-rpm")`,
    );
  }
  const installed = (fields.get('Installed-Build-Depends') ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return {
    ...base,
    format,
    buildArchitecture: fields.get('Build-Architecture') ?? null,
    buildDate: fields.get('Build-Date') ?? null,
    installed,
  };
}

/** What the rebuild does not reproduce from the buildinfo, one line each for verify.notPinned. */
export function rpmBuildinfoNotes(buildinfo: RpmBuildinfo, machine: string, headerTime: string | undefined): string[] {
  const notes: string[] = [];
  if (buildinfo.buildArchitecture && buildinfo.buildArchitecture !== machine)
    notes.push(`Build-Architecture ${buildinfo.buildArchitecture} (this machine builds ${machine})`);
  if (buildinfo.installed.length > 0)
    notes.push(
      `Installed-Build-Depends: ${buildinfo.installed.length} RPM packages (not ` +
        `compared: this machine has no RPM database; install the build dependencies yourself)`,
    );
  const sde = buildinfo.environment['SOURCE_DATE_EPOCH'];
  if (sde && headerTime && sde !== headerTime)
    notes.push(
      `SOURCE_DATE_EPOCH ${sde} from the buildinfo (not taken: the published header's BUILDTIME ${headerTime} wins)`,
    );
  return notes;
}
