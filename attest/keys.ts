// ed25519 keys with Node's crypto only: generation, PEM loading, and the public
// key in securesystemslib's JSON format, whose keyid in-toto uses.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { TwinbuildError } from '../core/errors.js';
import { canonicalJson } from './canonical-json.js';

export type PublicKeyMeta = Readonly<{
  keytype: 'ed25519';
  scheme: 'ed25519';
  keyid_hash_algorithms: readonly ['sha256', 'sha512'];
  keyval: Readonly<{ public: string }>;
}>;

export type SigningKey = Readonly<{ privateKey: KeyObject; meta: PublicKeyMeta; keyid: string }>;

/** The raw 32-byte public key, hex: the end of its SPKI DER encoding. */
const rawPublicHex = (key: KeyObject) =>
  ((key.type === 'public' ? key : createPublicKey(key)).export({ format: 'der', type: 'spki' }) as Buffer)
    .subarray(-32)
    .toString('hex');

export function publicKeyMeta(key: KeyObject): PublicKeyMeta {
  return {
    keytype: 'ed25519',
    scheme: 'ed25519',
    keyid_hash_algorithms: ['sha256', 'sha512'],
    keyval: { public: rawPublicHex(key) },
  };
}

/** sha256 of the canonical JSON of the public key metadata, as securesystemslib computes keyids. */
export const keyidOf = (meta: PublicKeyMeta) => createHash('sha256').update(canonicalJson(meta)).digest('hex');

export function generateSigningKey(): { privatePem: string; publicPem: string; meta: PublicKeyMeta; keyid: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const meta = publicKeyMeta(publicKey);
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
    meta,
    keyid: keyidOf(meta),
  };
}

export async function loadSigningKey(path: string): Promise<SigningKey> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new TwinbuildError(
      'usage',
      `cannot read an ed25519 private key (PEM, PKCS#8) from ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new TwinbuildError(
      'usage',
      `${path} holds a ${privateKey.asymmetricKeyType} key; twinbuild signs with ed25519 (twinbuild keygen makes one)`,
    );
  const meta = publicKeyMeta(privateKey);
  return { privateKey, meta, keyid: keyidOf(meta) };
}

/** A securesystemslib signature: keyid plus the hex ed25519 signature of `data`. */
export const signBytes = (key: SigningKey, data: Buffer | string) => ({
  keyid: key.keyid,
  sig: sign(null, Buffer.from(data), key.privateKey).toString('hex'),
});
