/**
 * The project's dependency rules (docs/architecture.md, "Dependency rules"), checked by
 * `npm run lint:deps` in CI. Arrows point down only: http → modules → jobs / store / rate-limit /
 * integrations / platform; config imports no module; src/ never imports test or demo tools.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'modules-not-fastify',
      comment: 'Modules hold the logic; transport lives in src/http (STYLE.md §6.3).',
      severity: 'error',
      from: { path: '^src/(modules|platform|jobs|store|rate-limit|integrations|config)/' },
      to: { path: '^node_modules/(fastify|@fastify|fastify-[^/]+)/' },
    },
    {
      name: 'modules-not-http',
      comment: 'Nothing below the transport layer imports it.',
      severity: 'error',
      from: { path: '^src/(modules|platform|jobs|store|rate-limit|integrations|config)/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'no-other-modules-repo',
      comment:
        "One owner per table: a module reaches another module's data through its service, never its repo.",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/([^/]+)/.+[.]repo[.]ts$', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'prisma-only-in-repos',
      comment: 'Only repos (and the shared store, job queue and limiter) import the generated Prisma client.',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: [
          '[.]repo[.]ts$',
          '^src/(store|jobs|rate-limit|generated)/',
          '^src/deps[.]ts$',
          '[.]test[.]ts$',
        ],
      },
      to: { path: '^src/generated/' },
    },
    {
      name: 'config-imports-no-module',
      comment: 'Configuration is parsed before anything else exists.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/(modules|http|jobs|store|rate-limit)/' },
    },
    {
      name: 'jobs-know-no-module',
      comment: 'The queue is generic; handlers are registered by the composition root.',
      severity: 'error',
      from: { path: '^src/(jobs|rate-limit|store)/' },
      to: { path: '^src/(modules|http|integrations)/' },
    },
    {
      name: 'platform-imports-nothing-of-the-app',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/(?!platform/)' },
    },
    {
      name: 'integrations-know-no-module',
      severity: 'error',
      from: { path: '^src/integrations/' },
      to: { path: '^src/(modules|http|jobs|store)/' },
    },
    {
      name: 'src-not-tools',
      comment: 'Test and demo tools live outside src/; production code never imports them.',
      severity: 'error',
      from: { path: '^src/', pathNot: '[.]test[.]ts$' },
      to: { path: '^(tools|test|bench|scripts)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '^src/generated/'] },
    includeOnly: '^(src|tools|test|bench|scripts|node_modules)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
