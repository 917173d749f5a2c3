// Lint: typescript-eslint's recommended rules (syntax only, no type information, so it stays fast),
// a few rules of our own, and eslint-config-prettier last so formatting is prettier's alone.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const node = { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly', Buffer: 'readonly' };
const browser = Object.fromEntries(
  [
    'window',
    'document',
    'location',
    'history',
    'navigator',
    'fetch',
    'console',
    'setTimeout',
    'clearTimeout',
    'URL',
    'URLSearchParams',
    'FormData',
    'TextEncoder',
    'crypto',
    'PublicKeyCredential',
    'AbortController',
    'DOMException',
    'Intl',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'var/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'error',
      'prefer-const': 'error',
      'no-var': 'error',
      'object-shorthand': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-assertions': ['error', { assertionStyle: 'as' }],
    },
  },
  // The CLI, the benchmark and the build helper talk to a terminal.
  { files: ['src/cli.ts', 'bench/**', 'scripts/**'], rules: { 'no-console': 'off' } },
  { files: ['**/*.js', '**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: node }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module', globals: node } },
  // The demo page's script runs in the browser as is (no bundler): an ES module importing /sdk/mellon-recovery.js.
  { files: ['demo/**/*.js'], languageOptions: { sourceType: 'module', globals: browser } },
  { files: ['report/**/*.js'], languageOptions: { sourceType: 'script', globals: browser } },
  prettier,
);
