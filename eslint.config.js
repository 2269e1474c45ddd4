// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { folderBoundaries } from './eslint/folder-boundaries.js';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      '.codedance/**',
      'packages/cli/bin/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.test.json', './packages/web/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
        {
          selector: 'TSEnumDeclaration',
          message: 'Use an `as const` object and a derived union type.',
        },
      ],
    },
  },
  {
    // A server folder is used through its index.ts only; the folders' public surfaces are
    // what the architecture document describes.
    files: ['packages/server/src/**/*.ts'],
    plugins: { codedance: { rules: { 'folder-boundaries': folderBoundaries } } },
    rules: {
      'codedance/folder-boundaries': [
        'error',
        { root: 'packages/server/src', shared: ['clock', 'version'] },
      ],
    },
  },
  {
    // Server code reads the time through its one clock module, so that every decision can be
    // given a clock by its caller and tested with time that a test moves.
    files: ['packages/server/src/**/*.ts'],
    ignores: ['packages/server/src/clock.ts', '**/*.test.ts', '**/test-support/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
        {
          selector: 'TSEnumDeclaration',
          message: 'Use an `as const` object and a derived union type.',
        },
        {
          selector: "MemberExpression[object.name='Date'][property.name='now']",
          message: 'Read the time from an injected clock (packages/server/src/clock.ts).',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Read the time from an injected clock (packages/server/src/clock.ts).',
        },
      ],
    },
  },
  {
    // Server code acts in the caller's tenant (`tenantOf(request)`, or the tenant its controller
    // was made for). The default tenant is named only where a principal is minted (the admin
    // credential, sessions from before tenants) and where the default tenant keeps its
    // pre-tenant names, paths and the tenant index: a new call site cannot forget the tenant.
    files: ['packages/server/src/**/*.ts'],
    ignores: [
      '**/*.test.ts',
      '**/test-support/**',
      'packages/server/src/auth/guard.ts',
      'packages/server/src/auth/sessions.ts',
      'packages/server/src/tenancy/names.ts',
      'packages/server/src/tenancy/known.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@codedance/core',
              importNames: ['TENANT_DEFAULT'],
              message:
                "Act in the caller's tenant: tenantOf(request) in a route, the controller's tenant below it.",
            },
          ],
        },
      ],
    },
  },
  {
    // Tool configuration files are loaded through their default export.
    files: ['*.config.js', '*.config.ts', 'packages/*/*.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // Plain JavaScript (benchmarks, fixtures, small launchers) runs on Node: its globals are known.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: { 'no-undef': 'off' },
  },
  {
    // @kubernetes/client-node declares API objects as classes, but they are plain JSON on the wire
    // and are written as object literals, as its own examples do.
    files: ['e2e/kubernetes/**', 'packages/kubernetes/**'],
    rules: { '@typescript-eslint/no-unsafe-class-instance-assignment': 'off' },
  },
  {
    files: ['**/*.test.ts', '**/*.test.tsx', '**/test-support/**', 'e2e/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
);
