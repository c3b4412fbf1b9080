// Typed errors, one per failure kind, each carrying its exit code.
// Only the CLI turns them into a message and process.exitCode (DESIGN §3).

export const EXIT = Object.freeze({
  reproducible: 0,
  unreproducible: 1,
  usage: 2,
  infrastructure: 3,
  interrupted: 130,
});

/** 130 for Ctrl-C, 143 for SIGTERM: the shell's 128 + signal number. */
export const exitCodeForSignal = (signal: unknown): number => (signal === 'SIGTERM' ? 143 : EXIT.interrupted);

export type ErrorCode =
  | 'usage'
  | 'config'
  | 'unknown-variation'
  | 'bad-spec'
  | 'glob-escapes-tree'
  | 'unreadable-source'
  | 'variation-unavailable'
  | 'build-failed'
  | 'build-timeout'
  | 'setup-failed'
  | 'no-artifacts'
  | 'diffoscope-failed'
  | 'reports-unwritable'
  | 'workspace'
  | 'compare-failed'
  | 'artifact-escapes-tree'
  | 'no-sandbox'
  | 'interrupted';

const EXIT_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  usage: EXIT.usage,
  config: EXIT.usage,
  'unknown-variation': EXIT.usage,
  'bad-spec': EXIT.usage,
  'glob-escapes-tree': EXIT.usage,
  'unreadable-source': EXIT.usage,
  'variation-unavailable': EXIT.infrastructure,
  'build-failed': EXIT.infrastructure,
  'build-timeout': EXIT.infrastructure,
  'setup-failed': EXIT.infrastructure,
  'no-artifacts': EXIT.infrastructure,
  'diffoscope-failed': EXIT.infrastructure,
  'reports-unwritable': EXIT.infrastructure,
  workspace: EXIT.infrastructure,
  'compare-failed': EXIT.infrastructure,
  'artifact-escapes-tree': EXIT.infrastructure,
  'no-sandbox': EXIT.infrastructure,
  interrupted: EXIT.interrupted,
};

export class TwinbuildError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  /** Extra lines shown under the one-line message (e.g. a build log tail). */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: readonly string[] } = {}) {
    super(message, { cause: options.cause });
    this.name = 'TwinbuildError';
    this.code = code;
    this.exitCode = EXIT_BY_CODE[code];
    this.details = options.details ?? [];
  }
}

export const usageError = (message: string, cause?: unknown) => new TwinbuildError('usage', message, { cause });

export const isTwinbuildError = (error: unknown): error is TwinbuildError => error instanceof TwinbuildError;
