/**
 * One owner per table (docs/architecture.md, "Table owners"): only the owner's repos (or, for the shared
 * infrastructure, its own folder) name a table in SQL or reach it through Prisma. Other modules go
 * through the owner's service. The dependency checker (npm run lint:deps) guards imports; this guards
 * the SQL text and Prisma accessors, which an import rule cannot see.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const OWNERS: Record<string, { prisma: string; owner: RegExp }> = {
  installation: { prisma: 'installation', owner: /^src\/modules\/installations\/.+\.repo\.ts$/ },
  clockify_webhook_token: {
    prisma: 'clockifyWebhookToken',
    owner: /^src\/modules\/installations\/.+\.repo\.ts$/,
  },
  admin_api_key: { prisma: 'adminApiKey', owner: /^src\/modules\/auth\/.+\.repo\.ts$/ },
  job: { prisma: 'job', owner: /^src\/jobs\// },
  gateway_meta: { prisma: 'gatewayMeta', owner: /^src\/store\// },
  rate_limit_slot: { prisma: 'rateLimitSlot', owner: /^src\/rate-limit\// },
  bootstrap_run: { prisma: 'bootstrapRun', owner: /^src\/modules\/bootstrap\/.+\.repo\.ts$/ },
  bootstrap_operation: { prisma: 'bootstrapOperation', owner: /^src\/modules\/bootstrap\/.+\.repo\.ts$/ },
  cached_entity: { prisma: 'cachedEntity', owner: /^src\/modules\/cache\/.+\.repo\.ts$/ },
  webhook_source: { prisma: 'webhookSource', owner: /^src\/modules\/ingestion\/.+\.repo\.ts$/ },
  webhook_event: { prisma: 'webhookEvent', owner: /^src\/modules\/ingestion\/.+\.repo\.ts$/ },
  webhook_rejection: { prisma: 'webhookRejection', owner: /^src\/modules\/ingestion\/.+\.repo\.ts$/ },
  webhook_source_stats: { prisma: 'webhookSourceStats', owner: /^src\/modules\/ingestion\/.+\.repo\.ts$/ },
  webhook_source_stats_delta: {
    prisma: 'webhookSourceStatsDelta',
    owner: /^src\/modules\/ingestion\/.+\.repo\.ts$/,
  },
  explorer_call: { prisma: 'explorerCall', owner: /^src\/modules\/explorer\/.+\.repo\.ts$/ },
  webhook_endpoint: { prisma: 'webhookEndpoint', owner: /^src\/modules\/delivery\/.+\.repo\.ts$/ },
  webhook_endpoint_secret: {
    prisma: 'webhookEndpointSecret',
    owner: /^src\/modules\/delivery\/.+\.repo\.ts$/,
  },
  webhook_message: { prisma: 'webhookMessage', owner: /^src\/modules\/delivery\/.+\.repo\.ts$/ },
  webhook_attempt: { prisma: 'webhookAttempt', owner: /^src\/modules\/delivery\/.+\.repo\.ts$/ },
  flow: { prisma: 'flow', owner: /^src\/modules\/flows\/.+\.repo\.ts$/ },
  flow_version: { prisma: 'flowVersion', owner: /^src\/modules\/flows\/.+\.repo\.ts$/ },
  flow_workspace: { prisma: 'flowWorkspace', owner: /^src\/modules\/flows\/.+\.repo\.ts$/ },
  flow_execution: { prisma: 'flowExecution', owner: /^src\/modules\/flows\/.+\.repo\.ts$/ },
  flow_step: { prisma: 'flowStep', owner: /^src\/modules\/flows\/.+\.repo\.ts$/ },
  flow_skip_count: { prisma: 'flowSkipCount', owner: /^src\/modules\/flows\/.+\.repo\.ts$/ },
  flow_replay: { prisma: 'flowReplay', owner: /^src\/modules\/flows\/.+\.repo\.ts$/ },
};

const PRISMA_OPS =
  'findUnique|findUniqueOrThrow|findFirst|findFirstOrThrow|findMany|create|createMany|createManyAndReturn|update|updateMany|updateManyAndReturn|upsert|delete|deleteMany|count|groupBy|aggregate';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return path === join('src', 'generated') ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every (file, table) pair where a file names a table in SQL or through a Prisma accessor. */
function tableUses(): { file: string; table: string }[] {
  const uses: { file: string; table: string }[] = [];
  for (const file of sourceFiles('src')) {
    const text = readFileSync(file, 'utf8');
    for (const [table, { prisma }] of Object.entries(OWNERS)) {
      const sql = new RegExp(`\\b(FROM|JOIN|INTO|UPDATE|TABLE)\\s+"?${table}"?(?![\\w"])`, 'i');
      const accessor = new RegExp(`\\.${prisma}\\.(${PRISMA_OPS})\\b`);
      if (sql.test(text) || accessor.test(text)) uses.push({ file, table });
    }
  }
  return uses;
}

describe('table ownership', () => {
  const uses = tableUses();

  it('finds the tables it is meant to guard (the scan works)', () => {
    const tables = new Set(uses.map((u) => u.table));
    for (const t of ['installation', 'job', 'webhook_event', 'cached_entity', 'admin_api_key']) {
      expect(tables, t).toContain(t);
    }
  });

  it('lets only the owner touch each table', () => {
    const intruders = uses
      .filter(({ file, table }) => !OWNERS[table]!.owner.test(file.split('\\').join('/')))
      .map(({ file, table }) => `${file} → ${table}`);
    expect(intruders).toEqual([]);
  });
});
