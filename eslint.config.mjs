// ESLint: typescript-eslint's type-checked recommended rules over the TypeScript (src, test,
// bench), with type information from tsconfig.json; plain recommended rules over the few
// JavaScript files. Formatting is Prettier's (eslint-config-prettier turns off the rules it
// owns). Part of `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'build/', 'build-fuzz/', 'prebuilds/', 'bench/out/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // An async method that implements a Promise-returning interface (close, commit, lock) or an
      // async generator over values already at hand needs no await: `async` is what turns its
      // throws into rejections, which the callers rely on.
      '@typescript-eslint/require-await': 'off',
      // `_name` marks a parameter or binding kept for its position (destructuring, callbacks).
      // A caught error (unknown) passes through a promise as it is: wrapping it would hide its class and code.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true, allowThrowingAny: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Tests read the agent's JSON output and metadata (typed `any` by JSON.parse) and assert
    // its shape field by field: an unsafe access is the assertion, not a hole in the types.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  prettier,
);
