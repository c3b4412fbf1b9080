// The architecture as a test (npm test runs it, test/architecture.test.ts):
// each folder imports only from the layers below it, nothing imports in a
// circle, and only the process adapter starts processes.
// Layers, lowest first; the README's "Architecture" section explains each.
const LAYERS = ['core', 'adapters', 'variations', 'reports', 'engine', 'attest', 'suites', 'rebuilder', 'cli'];

const upwardRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer}`,
  comment: `${layer}/ may import only from ${LAYERS.slice(0, i).join(', ') || 'no other layer'} (and itself)`,
  severity: 'error',
  from: { path: `^${layer}/` },
  to: { path: `^(${LAYERS.slice(i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'an import cycle ties layers (or modules) together',
      from: {},
      to: { circular: true },
    },
    ...upwardRules,
    {
      name: 'only-the-process-adapter-spawns',
      comment: 'execa and node:child_process are imported by adapters/process.ts alone',
      severity: 'error',
      from: { pathNot: '^adapters/process\\.ts$' },
      to: { path: ['node_modules/execa/', '^(node:)?child_process$'] },
    },
    {
      name: 'no-unknown-folders',
      comment: 'source lives in the layers (a new folder must take its place in LAYERS)',
      severity: 'error',
      from: { path: '^[^/]+/', pathNot: `^(${LAYERS.join('|')})/` },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count too: a type is a dependency on a layer.
    tsPreCompilationDeps: true,
    // Note: TypeScript 7 has no JavaScript API for dependency-cruiser to parse with; swc parses the sources.
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(test|dist|bench|scripts)/' },
  },
};
