// What the service, its workers and a rebuild are given: the engine's deps (the
// process runner, the stop signal) and the CLI's settings, as functions and values.
import type { PackageOptions } from '../../engine/options.js';
import type { EngineDeps } from '../../engine/run-package.js';
import type { HostInfo } from '../../reports/model.js';

export type ServiceDeps = EngineDeps &
  Readonly<{
    /**
     * One verify's frozen options (the CLI's settings) for a .dsc (preset debian) or a .src.rpm (preset rpm),
     * its reports going to `outDir`.
     */
    packageOptions: (source: string, preset: 'debian' | 'rpm', name: string, outDir: string) => Promise<PackageOptions>;
    log: (line: string) => void;
    host: HostInfo;
    version: string;
    /** The host's architecture as Debian names it (amd64), for Packages indexes and .buildinfo names. */
    hostArchitecture: string;
    /** The host's architecture as RPM names it (x86_64). */
    rpmArchitecture: string;
    now?: () => number;
  }>;
