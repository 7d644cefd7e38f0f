// Lint: type-aware rules stay light so `npm test` stays fast; the rule that matters most here is
// the runtime boundary: plain-Node layers and tests must never import 'electron'.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noElectron = {
  'no-restricted-imports': ['error', {
    paths: [{ name: 'electron', message: 'This layer runs under plain Node; only electron/main and electron/preload may import electron.' }],
    patterns: [{ group: ['electron/*'], message: 'Plain-Node layers must not import electron.' }],
  }],
  'no-restricted-syntax': ['error', {
    selector: "CallExpression[callee.name='require'][arguments.0.value='electron']",
    message: 'This layer runs under plain Node; only electron/main and electron/preload may require electron.',
  }, {
    selector: "ImportExpression[source.value='electron']",
    message: 'This layer runs under plain Node; only electron/main and electron/preload may import electron.',
  }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**', 'release/**', 'renderer/dist/**', 'test-results/**', 'sweepdeck-output/**', 'sweepdeck-data/**', '.tmp/**', '.vitest/**', '.scratch*', '.tmp*', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['electron/core/**', 'electron/app/**', 'electron/cli/**', 'electron/host/**', 'test/**', 'e2e/**', 'bench/**', 'shared/**', 'renderer/**'], ignores: ['e2e/electron/**'], rules: noElectron },
);
