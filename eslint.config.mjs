// Lint rules, including the package boundaries of DESIGN.md: core imports no other package of
// the repo; core/src/model imports nothing; clients import only the protocol and model types;
// and inside core, each capability uses another only through its front door.
import js from '@eslint/js';
import importPlugin from 'eslint-plugin-import';
import tseslint from 'typescript-eslint';

/*
 * The capabilities of core (folders of core/src) and which of them each may use. A capability
 * uses another only through its front door, `core/src/<capability>/index.ts` (plus the doors it
 * names for parts loaded on demand); `core/src/model` (the data types) is open to all; within a
 * capability, imports are free. `engine.ts` composes them; the HTTP server and the CLI drive it.
 *
 *   store      -> (nothing but model)
 *   tracking   -> store
 *   artifacts  -> (nothing but model)
 *   lineage    -> store
 *   compute    -> (nothing but model)
 *   pipelines  -> store, tracking, artifacts, lineage, compute
 *   registry   -> store, tracking, artifacts
 *   evaluation -> tracking, artifacts, compute, registry
 *   serving    -> store, tracking, artifacts, registry, evaluation, compute, online
 *   server     -> tracking, artifacts, pipelines, registry, engine
 *   cli        -> tracking, pipelines, registry, server, evaluation, serving, engine
 *   stats      -> (nothing but model)
 *   online     -> stats
 *   monitoring -> stats
 *
 * A new capability (registry, serving, ...) is one entry below. `core/src/testing` holds helpers
 * for tests: tests may use it, nothing else may.
 */
const CORE_CAPABILITIES = {
  store: { uses: [] },
  tracking: { uses: ['store'] },
  artifacts: { uses: [] },
  lineage: { uses: ['store'] },
  compute: { uses: [] },
  pipelines: {
    uses: ['store', 'tracking', 'artifacts', 'lineage', 'compute'],
    doors: ['triggers/host.ts', 'builtins/validateTable.ts'],
  },
  registry: { uses: ['store', 'tracking', 'artifacts'] },
  webhooks: { uses: ['store', 'registry'] },
  evaluation: { uses: ['tracking', 'artifacts', 'compute', 'registry'] },
  serving: {
    uses: [
      'store',
      'tracking',
      'artifacts',
      'registry',
      'evaluation',
      'compute',
      'online',
      'feedback',
    ],
  },
  server: {
    uses: ['tracking', 'artifacts', 'pipelines', 'registry', 'webhooks'],
    drivesEngine: true,
  },
  cli: {
    uses: [
      'tracking',
      'pipelines',
      'registry',
      'server',
      'evaluation',
      'serving',
      'feedback',
      'online',
      'onlineExperiments',
      'monitoring',
      'timeline',
    ],
    drivesEngine: true,
  },
  stats: { uses: [] },
  online: { uses: ['stats'] },
  monitoring: { uses: ['stats', 'store'] },
  feedback: { uses: ['store'] },
  onlineExperiments: { uses: ['store', 'online', 'feedback', 'serving', 'registry', 'stats'] },
  timeline: {
    uses: ['tracking', 'pipelines', 'registry', 'serving', 'monitoring', 'onlineExperiments'],
  },
};

/** The import/no-restricted-paths zones that fence the capabilities of core from each other. */
function capabilityZones(capabilities) {
  const names = Object.keys(capabilities);
  return names.flatMap((name) =>
    names
      .filter((other) => other !== name)
      .map((other) => {
        const { doors = [] } = capabilities[other];
        return capabilities[name].uses.includes(other)
          ? {
              target: `./core/src/${name}`,
              from: `./core/src/${other}`,
              except: ['./index.ts', ...doors.map((door) => `./${door}`)],
              message: `${name} uses ${other} only through its front door, core/src/${other}/index.ts (eslint.config.mjs lists the doors).`,
            }
          : {
              target: `./core/src/${name}`,
              from: `./core/src/${other}`,
              message: `${name} does not depend on ${other}: the list in eslint.config.mjs says what each capability of core may use.`,
            };
      }),
  );
}

/** Package boundaries: the zones every TypeScript file of the repo is held to. */
const PACKAGE_ZONES = [
  {
    target: './core',
    from: [
      './language-server',
      './extension-vscode',
      './extension-jupyterlab',
      './media',
      './test',
    ],
    message: 'core imports no other package of the repo (DESIGN.md, dependency direction).',
  },
  {
    target: './core/src/model',
    from: './core/src',
    except: ['./model'],
    message: 'core/src/model holds pure data types and imports nothing.',
  },
  {
    target: ['./extension-vscode', './extension-jupyterlab', './media'],
    from: './core/src',
    except: ['./model'],
    message: 'clients import only the protocol and core/model types, never core runtime code.',
  },
];

/** Zones of core's own code: the capability fences, and test helpers kept out of it. */
const CORE_ZONES = [
  ...capabilityZones(CORE_CAPABILITIES),
  ...Object.keys(CORE_CAPABILITIES)
    .filter((name) => !CORE_CAPABILITIES[name].drivesEngine)
    .map((name) => ({
      target: `./core/src/${name}`,
      from: './core/src/engine.ts',
      message: `${name} does not use the engine: it composes the capabilities (server and cli drive it).`,
    })),
];

const TEST_FILES = [
  'core/src/**/*.test.ts',
  'core/src/**/*.slow.ts',
  'core/src/**/*.testing.ts',
  'core/src/testing/**/*.ts',
];

/** The options of import/no-restricted-paths for a set of zones, paths from this folder. */
const restrictedPaths = (zones) => ['error', { basePath: import.meta.dirname, zones }];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/out/**',
      '**/node_modules/**',
      '.venv/**',
      '.venv-*/**',
      '.sextant/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { import: importPlugin },
    settings: {
      'import/resolver': {
        node: { extensions: ['.ts', '.js'] },
        [`${import.meta.dirname}/scripts/eslintResolver.js`]: {},
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'import/no-restricted-paths': restrictedPaths(PACKAGE_ZONES),
    },
  },
  {
    files: ['core/src/**/*.ts'],
    ignores: TEST_FILES,
    rules: {
      'import/no-restricted-paths': restrictedPaths([
        ...PACKAGE_ZONES,
        ...CORE_ZONES,
        {
          target: './core/src',
          from: './core/src/testing',
          message: 'core/src/testing holds helpers for tests; no shipped code uses it.',
        },
      ]),
    },
  },
  {
    // Tests beside the code keep to the fences too; they may use the test helpers and the engine.
    files: TEST_FILES,
    rules: {
      'import/no-restricted-paths': restrictedPaths([
        ...PACKAGE_ZONES,
        ...capabilityZones(CORE_CAPABILITIES),
      ]),
    },
  },
  {
    files: ['extension-vscode/**/*.ts', 'extension-jupyterlab/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@sextant/core', message: 'clients take core types from @sextant/core/model.' },
          ],
          patterns: [
            {
              regex: '^@sextant/core/(?!model$)',
              message:
                'clients import only the protocol and core/model types (@sextant/core/model), never core runtime code.',
            },
            {
              regex: '^@sextant/language-server(?!/protocol$)',
              message:
                'clients import only the protocol of the language server (@sextant/language-server/protocol).',
            },
            {
              regex: '^@sextant/media/dist/',
              message: "import media through its exports map: '@sextant/media/<module>'.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['media/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'media never touches an IDE API: use the bridge.' },
            { name: '@sextant/core', message: 'media takes core types from @sextant/core/model.' },
          ],
          patterns: [
            {
              regex: '^@sextant/core/(?!model$)',
              message:
                'media imports only core/model (@sextant/core/model), never core runtime code.',
            },
            {
              regex: '^@sextant/language-server(?!/protocol$)',
              message:
                'media imports only the protocol of the language server (@sextant/language-server/protocol).',
            },
          ],
        },
      ],
    },
  },
  {
    // The language server uses core through its published doors only: the engine's barrel, the
    // data types and the pipeline definition (language features); cross-package tests may reach
    // further through '@sextant/core/dist/*'.
    files: ['language-server/src/**/*.ts'],
    ignores: ['language-server/src/**/*.test.ts', 'language-server/src/**/*.testing.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@sextant/core/dist/',
              message:
                "the language server uses core through its exports map: '@sextant/core', '@sextant/core/model' or '@sextant/core/pipelines/definition'.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['language-server/src/protocol.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@sextant/core',
              message:
                'the contract takes its types from @sextant/core/model, so browser clients never type-check against core runtime code.',
            },
          ],
          patterns: [
            {
              regex: '^@sextant/core/(?!model$)',
              message: 'the contract takes its types from @sextant/core/model only.',
            },
          ],
        },
      ],
    },
  },
);
