/**
 * The layering of lambdas/ (README, Layout): the arrows run one way.
 *   domain  ← app  ← handlers, CLI
 *   domain  ← ports ← adapters ← handlers, CLI
 * The friction pipeline (lambdas/friction/) has the same inner layering and may use the main domain;
 * the main code never uses friction's use cases or adapters.
 */
const domain = '^lambdas/(domain|friction/domain)/';
const app = '^lambdas/(app|friction/app)/';
const ports = '^lambdas/(ports|friction/ports)/';
const adapters = '^lambdas/(adapters|friction/adapters)/';
const handlers = '^lambdas/[^/]+/handler[.]ts$';
const outside = '^(bin|lib|test|bench|scripts)/';
/** Pure libraries the inner layers may use: validation schemas and glob matching, no I/O. */
const pureLibraries = ['^node_modules/zod/', '^node_modules/picomatch/'];

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'A cycle makes two modules one: split the shared part out.', from: {}, to: { circular: true } },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'The domain imports only the domain (and zod, picomatch and Node built-ins such as node:crypto): no ports, no I/O.',
      from: { path: domain },
      to: { pathNot: [domain, ...pureLibraries], dependencyTypesNot: ['core'] },
    },
    {
      name: 'app-uses-domain-and-ports',
      severity: 'error',
      comment: 'A use case coordinates ports: it imports the domain, the ports and other use cases, never an adapter or a handler.',
      from: { path: app },
      to: { pathNot: [domain, ports, app, ...pureLibraries], dependencyTypesNot: ['core'] },
    },
    {
      name: 'ports-name-domain-types',
      severity: 'error',
      comment: 'A port is an interface over domain types.',
      from: { path: ports },
      to: { pathNot: [domain, ports, ...pureLibraries], dependencyTypesNot: ['core'] },
    },
    {
      name: 'adapters-implement-ports',
      severity: 'error',
      comment: 'An adapter implements ports with domain types; it never calls a use case or a handler.',
      from: { path: adapters },
      to: { path: [app, handlers, outside] },
    },
    {
      name: 'no-handler-imports-another-function',
      severity: 'error',
      comment: 'A handler is wiring: it imports use cases and adapters, never another function.',
      from: { path: '^lambdas/([^/]+)/' , pathNot: [domain, app, ports, adapters] },
      to: { path: '^lambdas/[^/]+/handler[.]ts$' , pathNot: '^lambdas/$1/' },
    },
    {
      name: 'nothing-imports-a-handler',
      severity: 'error',
      comment: 'The CLI, local runs, CDK and the use cases call use cases, not handlers (handlers are entry points).',
      from: { path: [outside, domain, app, ports, adapters], pathNot: '^(test|bench)/' },
      to: { path: handlers },
    },
    {
      name: 'main-does-not-use-friction-internals',
      severity: 'error',
      comment: "The lineage loop reads friction's configuration schema only; friction's use cases and adapters are its own.",
      from: { path: '^lambdas/(domain|app|ports|adapters)/' },
      to: { path: '^lambdas/friction/(app|ports|adapters)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^(lambdas|bin|lib|node_modules)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.mjs', '.js', '.json'] },
  },
};
