import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/models/**',
      '**/test-artifacts/**',
      '**/coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    // Type information comes from each package's tsconfig.json (src, test and
    // bench); eslint runs from the package directory, so the service finds it.
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // @types/jest types the asymmetric matchers (expect.any, expect.stringContaining,
    // expect.objectContaining, ...) as `any`, so every expected object holding one
    // trips these two rules. Parsed bodies still have to be typed before use:
    // no-unsafe-member-access, -call and -return stay on in tests.
    files: ['packages/*/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    // The infra tests read parsed YAML (k8s manifests of many kinds, cloudbuild.yaml)
    // by deep paths through a deliberately loose `Obj`: typing every manifest kind
    // would be more code than the cross-checks themselves. Only these files, only
    // the three no-unsafe-* rules the block above leaves on.
    files: ['packages/e2e/test/infra/**/*.ts', 'packages/e2e/test/helpers/infra-files.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Plain JavaScript (scripts, benches, browser page, worker fixtures) has no
    // tsconfig: lint it without type information.
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        performance: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
