// ESLint flat config. Type-aware typescript-eslint rules for the TypeScript sources; Prettier owns formatting
// (eslint-config-prettier turns off every stylistic rule that would fight it).
import { builtinModules } from 'node:module';

import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importPlugin from 'eslint-plugin-import';
import tseslint from 'typescript-eslint';

const TS_FILES = ['src/**/*.ts', 'test/**/*.ts', 'sim/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'];

// Workflow and domain code runs in Temporal's deterministic sandbox (domain is imported by workflows): no Node
// built-ins in either form (`fs` and `node:fs`), no AWS SDK, no Temporal packages that only work outside workflows.
const nodeBuiltins = [...new Set(builtinModules.map((m) => m.replace(/^node:/, '')))];
const sandboxRestrictedImports = {
  paths: nodeBuiltins.flatMap((name) => [
    { name, message: 'Node built-ins are not allowed in workflow/domain code (deterministic sandbox).' },
    {
      name: `node:${name}`,
      message: 'Node built-ins are not allowed in workflow/domain code (deterministic sandbox).',
    },
  ]),
  patterns: [
    {
      group: nodeBuiltins.flatMap((name) => [`${name}/*`, `node:${name}/*`]),
      message: 'Node built-ins are not allowed in workflow/domain code (deterministic sandbox).',
    },
    {
      group: ['@aws-sdk/*'],
      message: 'AWS SDK calls belong in activities (src/activities), never in workflow/domain code.',
    },
    {
      group: [
        '@temporalio/worker',
        '@temporalio/worker/*',
        '@temporalio/client',
        '@temporalio/client/*',
        '@temporalio/activity',
        '@temporalio/activity/*',
        '@temporalio/testing',
        '@temporalio/testing/*',
      ],
      message: 'Only @temporalio/workflow and @temporalio/common may be imported by workflow/domain code.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['lib/**', 'node_modules/**', '.tools/**', '.run/**', 'coverage/**'] },

  eslint.configs.recommended,

  // Plain JavaScript (configs, the mocha reporter): CommonJS/ESM on Node, no type information.
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: {
      // The few Node globals these files use (the `globals` package is not a direct dependency).
      globals: {
        console: 'readonly',
        process: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
      },
    },
  },
  { files: ['**/*.js', '**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },

  // TypeScript: recommended rules plus the type-aware ones that catch real bugs (promises, deprecations).
  ...tseslint.configs.recommended.map((config) => ({ ...config, files: TS_FILES })),
  {
    files: TS_FILES,
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-deprecated': 'warn',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },

  // Everywhere: imports in a predictable order, no cycles, strict equality (== null allowed for null|undefined).
  {
    plugins: { import: importPlugin },
    settings: {
      'import/extensions': ['.ts', '.js', '.mjs', '.cjs'],
      'import/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import/resolver': { node: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] } },
    },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'import/order': [
        'error',
        {
          groups: ['builtin', 'external', 'internal', 'parent', 'sibling', 'index'],
          'newlines-between': 'always',
          alphabetize: { order: 'asc', caseInsensitive: true },
        },
      ],
      // ignoreExternal: cycles can only be ours, and walking node_modules dominated lint time.
      'import/no-cycle': ['error', { ignoreExternal: true }],
    },
  },

  {
    files: ['src/workflows/**/*.ts', 'src/domain/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', sandboxRestrictedImports] },
  },

  prettier
);
