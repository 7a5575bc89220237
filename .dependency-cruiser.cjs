/* global module */
/**
 * The layering of opsbot, checked on every build (`npm run deps`, run by .ci/run):
 *
 *   cli → app → bot → jobs → (gitops | terraform | argocd | registry) → core
 *
 * A module may import from its own layer and the layers to its right, never to its left; the
 * outside systems (gitops, terraform, argocd, registry) do not import each other; `server` is HTTP
 * plumbing for the composition root and may use core only. No file may take part in a cycle.
 */
const LAYERS = ['cli', 'app', 'bot', 'jobs', 'gitops|terraform|argocd|registry', 'core'];
const under = (layers) => `^src/(${layers})/`;

/** The layers above `layer`, and `server` for every layer below the composition root. */
const above = (layer, i) => [...LAYERS.slice(0, i + 1), ...(layer === 'app' ? [] : ['server'])];

const upward = LAYERS.slice(1).map((layer, i) => ({
  name: `no-upward-from-${layer.replace(/\|/g, '-')}`,
  comment: `${layer} may not import ${above(layer, i).join(', ')}: dependencies point one way (cli → app → bot → jobs → gitops|terraform|argocd|registry → core)`,
  severity: 'error',
  from: { path: under(layer) },
  to: { path: under(above(layer, i).join('|')) },
}));

const OUTSIDE = ['gitops', 'terraform', 'argocd', 'registry'];
const siblings = OUTSIDE.map((name) => ({
  name: `no-${name}-to-the-other-outside-systems`,
  comment: `${name} is one outside system; it does not import the others`,
  severity: 'error',
  from: { path: under(name) },
  to: { path: under(OUTSIDE.filter((n) => n !== name).join('|')) },
}));

module.exports = {
  forbidden: [
    ...upward,
    ...siblings,
    {
      name: 'server-uses-core-only',
      comment: 'src/server is HTTP plumbing: it may use core, nothing above it',
      severity: 'error',
      from: { path: '^src/server/' },
      to: { path: under(LAYERS.slice(0, -1).join('|')) },
    },
    {
      name: 'no-circular',
      comment: 'no file may take part in an import cycle',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-without-platform-sdks',
      comment: 'nothing in core imports a chat platform SDK',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: 'node_modules/(@slack|telegraf)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Tests beside sources may use the test stand-ins and fakes; the layering is about src.
    exclude: { path: '\\.test\\.ts$' },
  },
};
