// Lint rules, including the package boundaries of DESIGN.md: core imports no other package of
// the repo; core/src/model imports nothing; clients import only the protocol and model types.
import js from '@eslint/js';
import importPlugin from 'eslint-plugin-import';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/out/**',
      '**/node_modules/**',
      '.venv/**',
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
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js'] } } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'import/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './core',
              from: [
                './language-server',
                './extension-vscode',
                './extension-jupyterlab',
                './media',
                './test',
              ],
              message:
                'core imports no other package of the repo (DESIGN.md, dependency direction).',
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
              message:
                'clients import only the protocol and core/model types, never core runtime code.',
            },
          ],
        },
      ],
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
