// The in-toto root layout apt-transport-in-toto checks rebuilders' links against
// (DESIGN §7): a `rebuild` step that CREATEs the .deb (or .rpm) files, signed by `threshold`
// of the rebuilder keys, and an inspection that the .deb apt downloaded MATCHes
// what they rebuilt. Written unsigned: the owner signs it with GPG (in-toto-sign).
import { TwinbuildError } from '../core/errors.js';
import type { Canonical } from './canonical-json.js';
import { keyidOf, type PublicKeyMeta } from './keys.js';

/** The package files the layout covers: Debian's .deb (what apt-transport-in-toto checks) or RPM's .rpm. */
export type PackageKind = 'deb' | 'rpm';

export type LayoutRequest = Readonly<{
  rebuilders: readonly PublicKeyMeta[];
  threshold: number;
  expires: Date;
  readme: string;
  packages?: PackageKind;
}>;

/** securesystemslib's ISO 8601 form: seconds, no fraction, "Z". */
export const layoutDate = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A securesystemslib JSON public key (.pub.json of twinbuild keygen), checked. */
export function parsePublicKey(text: string, where: string): PublicKeyMeta {
  // JSON.parse('null') is valid JSON: the shape is checked below.
  let raw: Record<string, unknown> | null;
  try {
    raw = JSON.parse(text) as Record<string, unknown> | null;
  } catch (cause) {
    throw new TwinbuildError('usage', `${where} is not JSON: ${(cause as Error).message}`, { cause });
  }
  const keyval = raw?.['keyval'] as Record<string, unknown> | undefined;
  const hex = keyval?.['public'];
  if (
    raw?.['keytype'] !== 'ed25519' ||
    raw['scheme'] !== 'ed25519' ||
    typeof hex !== 'string' ||
    !/^[0-9a-f]{64}$/.test(hex)
  ) {
    throw new TwinbuildError(
      'usage',
      `${where} is not an ed25519 public key in securesystemslib's JSON format (the .pub.json of twinbuild keygen)`,
    );
  }
  return {
    keytype: 'ed25519',
    scheme: 'ed25519',
    keyid_hash_algorithms: ['sha256', 'sha512'],
    keyval: { public: hex },
  };
}

/** The unsigned layout metablock (`signatures` empty). */
export function rebuildLayout(request: LayoutRequest): { signed: Canonical; signatures: never[] } {
  const keys = Object.fromEntries(
    request.rebuilders.map((meta) => {
      const keyid = keyidOf(meta);
      // Note: a layout key carries its own keyid (securesystemslib ANYKEY_SCHEMA); the .pub.json file does not.
      return [
        keyid,
        { ...meta, keyid_hash_algorithms: [...meta.keyid_hash_algorithms], keyval: { ...meta.keyval }, keyid },
      ];
    }),
  );
  const ids = Object.keys(keys);
  if (ids.length !== request.rebuilders.length)
    throw new TwinbuildError(
      'usage',
      'the same rebuilder key is given twice: each --rebuilder-key must be a different key',
    );
  if (request.threshold < 1 || request.threshold > ids.length)
    throw new TwinbuildError(
      'usage',
      `--threshold must be from 1 to the number of rebuilder keys (${ids.length}), got ${request.threshold}`,
    );
  const files = `*.${request.packages ?? 'deb'}`;
  const signed = {
    _type: 'layout',
    expires: layoutDate(request.expires),
    readme: request.readme,
    keys,
    steps: [
      {
        _type: 'step',
        name: 'rebuild',
        threshold: request.threshold,
        pubkeys: ids,
        expected_command: [],
        expected_materials: [],
        expected_products: [
          ['CREATE', files],
          ['DISALLOW', files],
        ],
      },
    ],
    inspect: [
      {
        _type: 'inspection',
        name: 'verify-reprobuilds',
        run: ['/usr/bin/true'],
        expected_materials: [
          ['MATCH', files, 'WITH', 'PRODUCTS', 'FROM', 'rebuild'],
          ['DISALLOW', files],
        ],
        expected_products: [],
      },
    ],
  } as unknown as Canonical;
  return { signed, signatures: [] };
}
