import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Who may import whom. Libs never import apps; apps meet only in libs/protocol (the wire).
const depConstraints = [
  { sourceTag: 'type:protocol', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:protocol'] },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:util', 'type:protocol'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:util', 'type:protocol', 'type:data-access'] },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:util', 'type:protocol', 'type:data-access', 'type:testing'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:util', 'type:protocol', 'type:testing'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:agent', notDependOnLibsWithTags: ['type:data-access'] },
];

// Specs may also use the test fixtures (libs/testing), whatever they test.
const specConstraints = depConstraints.map((c) =>
  c.onlyDependOnLibsWithTags && c.sourceTag.startsWith('type:')
    ? { ...c, onlyDependOnLibsWithTags: [...new Set([...c.onlyDependOnLibsWithTags, 'type:testing'])] }
    : c,
);

const boundaries = (allow, constraints = depConstraints) => ({
  '@nx/enforce-module-boundaries': [
    'error',
    { enforceBuildableLibDependency: false, allow, depConstraints: constraints, banTransitiveDependencies: false },
  ],
});

export default [
  { ignores: ['dist/**', 'node_modules/**', 'var/**', 'tmp/**', '.nx/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      ...boundaries([]),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read the environment only in libs/config (configuration is validated once at start).',
        },
      ],
    },
  },
  {
    // The `tether` program is the one host that composes the apps into one process (`tether server`).
    files: ['apps/tether/**/*.ts'],
    rules: boundaries(['@tether/app-*']),
  },
  {
    files: ['**/*.spec.ts'],
    rules: boundaries([], specConstraints),
  },
  {
    // The host's own specs compose apps as the host does.
    files: ['apps/tether/**/*.spec.ts'],
    rules: boundaries(['@tether/app-*'], specConstraints),
  },
  {
    files: ['libs/config/**/*.ts', 'libs/testing/**/*.ts', 'test/**/*.ts', '**/*.spec.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
];
