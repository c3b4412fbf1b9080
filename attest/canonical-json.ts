// Canonical JSON as securesystemslib (and so in-toto) signs it: keys sorted,
// no whitespace, strings escaping only backslash and double quote, integers only.
export type Canonical = string | number | boolean | null | readonly Canonical[] | { readonly [key: string]: Canonical };

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function canonicalJson(value: Canonical): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`canonical JSON has integers only, got ${value}`);
    return String(value);
  }
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const object = value as { readonly [key: string]: Canonical };
  // Note: sorted by UTF-16 code units, as Python sorts str keys of the BMP; keys outside it are not expected here.
  return `{${Object.keys(object)
    .sort()
    .map((key) => `${quote(key)}:${canonicalJson(object[key]!)}`)
    .join(',')}}`;
}
