// The layers of shared/house.json as import rules. Run: npx depcruise --output-type err-long .
// Why each rule exists: docs/lint.md. Paths are relative to the repository root.
//
// Layers (some folders are still being created; a rule about a missing folder matches nothing):
//   core/                                        the ground: imports nothing of ours
//   ingest/ billing/ payments/ analytics/ operators/ notifications/   domain modules: core + other modules' index.ts
//   api/                                         the fastify shell: core only
//   seed/                                        demo data: core + domain entry points
//   simulators/, load-tests/                     outside clients
//   web/                                         the browser: type-only imports of schema files
//   platform.ts, main.ts, scripts/               composers and command-line entries

/** A module's own tests and test/ are exempt from the layer rules (not from no-circular). */
const TESTS = '(^|/)[^/]+\\.test\\.tsx?$|^test/';

/** Any file of ours: not an npm package (node: built-ins are left out with dependencyTypesNot, and
 *  imports that resolve to nothing are left to not-to-unresolvable). */
const OURS = '^(?!node_modules/)';
const NOT_BUILTIN = ['core'];

const DOMAIN = '(ingest|billing|payments|analytics|operators|notifications)';
const DOMAIN_ENTRY = `^${DOMAIN}/index\\.ts$`;

/** Files the browser may see the types of: route and message schemas. */
// i.e. ^(billing|payments|analytics|operators|api|core)/(.+/)?schemas?\.ts$ or /http/schemas\.ts$,
// written without a nested quantifier, which dependency-cruiser refuses as an unsafe regex.
const SCHEMAS = [
  '^(billing|payments|analytics|operators|api|core)/schemas?\\.ts$',
  '^(billing|payments|analytics|operators|api|core)/.+/schemas?\\.ts$',
  '/http/schemas\\.ts$',
  // The live stream's frames and the one error shape are declared in core/.
  '^core/changes\\.ts$',
  '^core/errors\\.ts$',
];

/** Pure, I/O-free code the browser shares with the server (the page normalises plates as the API does). */
const SHARED_WITH_WEB = ['^core/plates\\.ts$'];

/**
 * A layer that may import only the listed paths (besides node_modules and node: built-ins).
 * `from` may capture a group that `allowed` refers to as $1 (dependency-cruiser's group matching).
 */
function onlyImports(name, comment, from, allowed) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from, pathNot: TESTS },
    to: { path: OURS, dependencyTypesNot: NOT_BUILTIN, couldNotResolve: false, pathNot: allowed },
  };
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    onlyImports(
      'core-imports-only-core',
      'core/ is the ground: it imports nothing of ours outside core/ (house.json: "the ground imports nothing of ours").',
      '^core/',
      ['^core/'],
    ),
    {
      name: 'domain-not-to-outer-layers',
      comment:
        'A domain module never imports the shell, the composers or the clients: api/, platform.ts, main.ts (or any other root file), seed/, simulators/, load-tests/, web/, scripts/, test/. A module declares its routes; the shell hosts them.',
      severity: 'error',
      from: { path: `^${DOMAIN}/`, pathNot: TESTS },
      to: { path: '^(api|seed|simulators|load-tests|web|scripts|test)/|^[^/]+$', dependencyTypesNot: NOT_BUILTIN },
    },
    {
      name: 'domain-via-entry-point',
      comment:
        'A domain module may use another domain module only through its entry point <module>/index.ts, never its inner files.',
      severity: 'error',
      from: { path: `^${DOMAIN}/`, pathNot: TESTS },
      to: { path: `^${DOMAIN}/`, pathNot: ['^$1/', DOMAIN_ENTRY] },
    },
    onlyImports(
      'api-imports-only-core',
      'api/ is the fastify shell (auth, errors, docs): it imports core/ only. Modules hand it their routes through platform.ts.',
      '^api/',
      ['^api/', '^core/'],
    ),
    onlyImports(
      'seed-imports-core-and-entry-points',
      'seed/ (demo city and seeding) may import core/ and domain entry points; never api/, platform.ts, main.ts, simulators/ or load-tests/.',
      '^seed/',
      ['^seed/', '^core/', DOMAIN_ENTRY],
    ),
    onlyImports(
      'simulators-import-core-and-seed',
      'simulators/ are outside clients (a device fleet): core/ (device schemas) and seed/ only.',
      '^simulators/',
      ['^simulators/', '^core/', '^seed/'],
    ),
    {
      ...onlyImports(
        'load-tests-import-core-seed-simulators',
        'load-tests/ are outside clients: core/, seed/ and simulators/ only. They start the platform as a process and read /metrics, never import platform.ts, api/ or a module.',
        '^load-tests/',
        ['^load-tests/', '^core/', '^seed/', '^simulators/'],
      ),
      // bench:pricing measures a policy, not I/O: it must run billing's own price-step rule (issue 15),
      // through billing/index.ts like any other module would (next rule).
      from: { path: '^load-tests/', pathNot: [TESTS, '^load-tests/bench-pricing[.]ts$'] },
    },
    onlyImports(
      'bench-pricing-imports-billing-entry',
      'bench:pricing runs the platform\'s own price steps on simulated weeks: besides core/, seed/ and simulators/ it may import billing/index.ts, nothing else of a module.',
      '^load-tests/bench-pricing[.]ts$',
      ['^load-tests/', '^core/', '^seed/', '^simulators/', '^billing/index[.]ts$'],
    ),
    {
      name: 'web-not-to-server',
      comment:
        'web/ is the browser and talks HTTP: it imports nothing of the server except schema files (see web-schemas-type-only) and core/plates.ts (pure: the page normalises plates exactly as the API does).',
      severity: 'error',
      from: { path: '^web/', pathNot: TESTS },
      to: { path: OURS, dependencyTypesNot: NOT_BUILTIN, couldNotResolve: false, pathNot: ['^web/', ...SCHEMAS, ...SHARED_WITH_WEB] },
    },
    {
      name: 'web-schemas-type-only',
      comment:
        'web/ may take the types of the API schemas (import type), never their values: a value import would bundle server code into the page.',
      severity: 'error',
      from: { path: '^web/', pathNot: TESTS },
      to: { path: SCHEMAS, dependencyTypesNot: ['type-only'] },
    },
    onlyImports(
      'platform-composes-modules',
      'platform.ts composes core/, the domain modules (through their index.ts), api/ and seed/; never simulators/, load-tests/ or web/.',
      '^platform\\.ts$',
      ['^core/', DOMAIN_ENTRY, '^api/', '^seed/'],
    ),
    onlyImports(
      'main-starts-platform',
      'main.ts wires platform.ts, core/ (config) and simulators/ (the demo fleet), and listens.',
      '^main\\.ts$',
      ['^platform\\.ts$', '^core/', '^simulators/'],
    ),
    onlyImports(
      'scripts-import-core-seed-entry-points',
      'scripts/ (command-line tasks) may import core/, seed/ and domain entry points.',
      '^scripts/',
      ['^scripts/', '^core/', '^seed/', DOMAIN_ENTRY],
    ),
    {
      name: 'not-to-test',
      comment: 'Code that ships never imports a test file or test/ helpers.',
      severity: 'error',
      from: { pathNot: TESTS },
      to: { path: TESTS },
    },
    {
      name: 'no-circular',
      comment:
        'No import cycle made of value imports: a cycle decides module start-up order by accident (a binding read before it is initialised).',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-circular-type-only',
      comment:
        'A cycle that closes only through `import type` is erased at run time, so it cannot break start-up; it still says two files know each other: declare the shared type lower (core/module.ts, api/context.ts) instead.',
      severity: 'error',
      from: {},
      to: { circular: true, via: { dependencyTypes: ['type-only'] } },
    },
    {
      name: 'no-orphans',
      comment:
        'A server file that imports nothing of ours and is imported by nothing is dead or forgotten (entry points import something, so they are not orphans).',
      severity: 'error',
      from: {
        orphan: true,
        path: '^(core|ingest|billing|payments|analytics|operators|notifications|api|seed|simulators|load-tests|scripts)/|^[^/]+\\.ts$',
        pathNot: [TESTS, '\\.d\\.ts$', '(^|/)[^/]+\\.config\\.(ts|js|cjs|mjs)$', '^load-tests/k6/'],
      },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves to a file or a package (proves the .ts resolution works, too).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // node_modules are leaves; built output, data and k6 scripts (run by k6, not node) are not cruised.
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['^node_modules/', '^web/dist/', '^data/', '^coverage/', '^load-tests/k6/', '^\\.tmp/'] },
    // The tsc parser (the TypeScript 6 API package, see docs/lint.md) sees `import type` and keeps it,
    // marked type-only, so rules can tell type-only imports from value imports.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Imports name the .ts file itself (allowImportingTsExtensions); resolve those, and .tsx for web/.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    moduleSystems: ['es6', 'cjs'],
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
