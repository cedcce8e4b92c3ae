import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.lungflow/**', 'training/**', 'deploy/local/kafka/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  // Command-line tools, scripts and benchmarks talk to the terminal on purpose.
  { files: ['**/cli/**', 'bench/**', 'scripts/**', '**/bin/**', 'test/**'], rules: { 'no-console': 'off' } },
);
