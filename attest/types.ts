// The shapes a link and its statement are made from (shared by link.ts and dsse.ts).

/** File path → its SHA-256, as in-toto lists materials and products. */
export type Digests = Record<string, { sha256: string }>;

export type LinkInput = Readonly<{
  name: string;
  materials: Digests;
  products: Digests;
  command: readonly string[];
  byproducts: Readonly<{ stdout: string; stderr: string; 'return-value': number }>;
}>;
