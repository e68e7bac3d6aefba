import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'reports/**', 'coverage/**', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['steps/**/*.ts', 'src/world/**/*.ts'],
    rules: {
      // Without a message, node:assert builds one by reading the call site's source, which on
      // transpiled one-line files takes minutes of CPU: always say what went wrong.
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.object.name='assert'][callee.property.name='ok'][arguments.length=1]", message: 'give assert.ok a message' },
        { selector: "CallExpression[callee.name='assert'][arguments.length=1]", message: 'give assert a message' },
      ],
    },
  },
  {
    // Pure cores: no I/O, no clock, no randomness of their own (design.md).
    files: ['reference/*/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'fs', 'net', 'http', 'https', 'child_process', 'dgram', 'timers'], message: 'cores are pure: inject I/O from the shell' }] }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'process', 'fetch'],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'inject a clock' }, { object: 'Math', property: 'random', message: 'inject a seeded random source' }],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'inject a clock' }],
    },
  },
);
