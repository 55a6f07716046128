// ESLint 9 flat config. Run: npx eslint . (part of `npm run lint`; why each rule: docs/lint.md).
// Syntax rules only, no type information: the type-aware presets would build a TypeScript program
// per run and take many times longer on 2 cores; `npm run typecheck` already runs the compiler.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // Build output, local data, dependencies. load-tests/k6 is linted below with its own globals.
  globalIgnores(['node_modules/', 'web/dist/', 'data/', 'coverage/', '.tmp/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_name` marks an argument, variable or caught error kept on purpose (a handler's signature,
      // a tuple slot, a rest sibling that drops a field).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'all',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Database rows arrive as `any` on purpose (pg's QueryResult<any>; the SQL names the columns),
      // so `any` is allowed; the type checker still sees everything else.
      '@typescript-eslint/no-explicit-any': 'off',
      // Files readable in one sitting: a source file is at most ~400 lines, a function at most ~80
      // (blank lines and comments not counted). Tests and tables (i18n) are exempt below.
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
      // An import() whose path is computed is invisible to dependency-cruiser and knip, so it
      // could cross a layer unseen. Name the file literally.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression[source.type!="Literal"]:not([source.type="TemplateLiteral"][source.expressions.length=0])',
          message:
            'import() with a computed path hides the dependency from the layer rules (dependency-cruiser) and knip: import a literal path.',
        },
      ],
    },
  },
  {
    // Tests are read one `it` at a time, and the i18n catalogue is a table.
    files: ['**/*.test.{ts,tsx}', 'test/**', 'web/src/i18n.ts'],
    rules: { 'max-lines': 'off', 'max-lines-per-function': 'off' },
  },
  {
    // The browser: React hooks rules, browser globals.
    files: ['web/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
    },
  },
  {
    // k6 scripts: plain JavaScript run by k6 (not node), with k6's globals.
    files: ['load-tests/k6/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: { __ENV: 'readonly', __VU: 'readonly', __ITER: 'readonly', open: 'readonly', console: 'readonly' },
    },
  },
  {
    // Config files at the root (this one, vite's, vitest's) run in node.
    files: ['*.{js,cjs,mjs}', 'web/*.{js,ts}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
