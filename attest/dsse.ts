// The same rebuild as an in-toto Statement v1 (link predicate) in a DSSE
// envelope, the form newer in-toto and SLSA tooling reads.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SigningKey } from './keys.js';
import { sign } from 'node:crypto';
import type { Digests, LinkInput } from './types.js';

export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** DSSE's pre-authentication encoding: what is actually signed. */
export const pae = (type: string, body: Buffer) =>
  Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `), body]);

const descriptors = (digests: Digests) =>
  Object.entries(digests).map(([name, d]) => ({ name, digest: { sha256: d.sha256 } }));

export function statementFor(input: LinkInput): unknown {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: descriptors(input.products),
    predicateType: 'https://in-toto.io/attestation/link/v0.3',
    predicate: {
      name: input.name,
      command: [...input.command],
      materials: descriptors(input.materials),
      byproducts: { ...input.byproducts },
      environment: {},
    },
  };
}

export async function writeStatement(outDir: string, key: SigningKey, input: LinkInput): Promise<string> {
  const body = Buffer.from(JSON.stringify(statementFor(input)));
  const envelope = {
    payloadType: PAYLOAD_TYPE,
    payload: body.toString('base64'),
    signatures: [{ keyid: key.keyid, sig: sign(null, pae(PAYLOAD_TYPE, body), key.privateKey).toString('base64') }],
  };
  const path = join(outDir, `${input.name}.${key.keyid.slice(0, 8)}.dsse.json`);
  await writeFile(path, JSON.stringify(envelope, null, 2) + '\n');
  return path;
}
