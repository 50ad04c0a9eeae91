// The lint step (`npm run lint`): a few rules that each catch a real mistake, checked with the types the compiler
// knows (tsconfig.test.json for src, labs and test; tsconfig.scripts.json for scripts). Formatting is prettier's.
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const rules = {
  // An unused import, variable or parameter is dead code or a mistake; `_name` says "unused on purpose".
  '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' }],
  // `any` switches the type check off; say `unknown` and narrow it.
  '@typescript-eslint/no-explicit-any': 'error',
  // `==` converts types; `== null` (null or undefined) is the one use kept.
  eqeqeq: ['error', 'always', { null: 'ignore' }],
};

export default defineConfig([
  globalIgnores(['dist/', 'node_modules/']),
  {
    files: ['**/*.ts', 'scripts/**/*.mjs'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { project: ['./tsconfig.test.json', './tsconfig.scripts.json'], tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      ...rules,
      // A promise nobody awaits loses its error. tap's `t.test(...)` is the exception: tap awaits its subtests.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafePromises: [{ from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' }] },
      ],
    },
  },
  {
    // Outside both tsconfigs: the same rules, without those that need types.
    files: ['bin/*.js', 'eslint.config.js'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules,
  },
]);
