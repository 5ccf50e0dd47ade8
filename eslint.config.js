import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Import boundaries, written as patterns so that a new folder is covered without naming it here.
const PROVIDER_INSIDES = {
  group: ['**/providers/*/*', '!**/providers/registry.js', '!**/providers/provider.js'],
  message: 'Core code talks to providers through providers/registry.ts and provider.ts only.',
};
const HTTP_FACE = {
  group: ['**/http/*', '**/http/**'],
  message:
    'The domain never imports the HTTP face: throw a contract Refusal (src/contract/) or return a typed result.',
};
const CORE_ROOMS = {
  group: [
    '**/tasks/*',
    '**/upstream/*',
    '**/store/*',
    '**/channels/*',
    '**/jobs/*',
    '**/http/*',
    '**/cli/*',
    '**/uploads/*',
  ],
  message: 'A provider imports only the provider API, media, models, storage and shared helpers.',
};

const VIDGATE_RULES = {
  group: [
    '**/models/*',
    '**/models/**',
    '**/providers/*',
    '**/providers/**',
    '**/tasks/*',
    '**/tasks/**',
    '**/http/*',
    '**/http/**',
    '**/store/*',
    '**/store/**',
  ],
  message:
    'The simulator is the oracle vidgate is tested against: it keeps its own rules (src/simulator/rules/) and imports only shared helpers and media tools.',
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'data/**',
      '.data/**',
      'node_modules/**',
      'scripts/**',
      // plain Node scripts for users (no build step), like scripts/
      'examples/**',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false } },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      'no-restricted-imports': ['error', { patterns: [PROVIDER_INSIDES] }],
    },
  },
  {
    // the domain: everything but the face, the composition root and the command line
    files: ['src/**'],
    ignores: ['src/http/**', 'src/main.ts', 'src/bin.ts', 'src/cli/**', '**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [PROVIDER_INSIDES, HTTP_FACE] }] },
  },
  {
    files: ['src/providers/*/**'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [CORE_ROOMS] }] },
  },
  {
    files: ['src/simulator/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [VIDGATE_RULES] }],
      // no-restricted-imports does not see import(): the sandbox renderer used to come in that way
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'ImportExpression[source.value=/(^|\\/)(models|providers|tasks|http|store)\\//]',
          message: VIDGATE_RULES.message,
        },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**', '**/*.test.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      // node:test's describe/it return promises the runner itself awaits
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
);
