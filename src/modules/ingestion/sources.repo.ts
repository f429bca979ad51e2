import type { PrismaClient, WebhookSource } from '../../generated/prisma/client.js';
import type { Sql } from '../../store/database.js';

export type StoredSource = WebhookSource;

export type NewSource = {
  workspaceId: string;
  id: string;
  name: string;
  verification: object;
  dedupRule: object;
  maxBodyBytes: number;
  contentTypes: string[];
  enabled: boolean;
  secretEncrypted: string | null;
  createdAt: Date;
};

export type SourcePatch = Partial<
  Pick<
    StoredSource,
    | 'name'
    | 'maxBodyBytes'
    | 'contentTypes'
    | 'enabled'
    | 'secretEncrypted'
    | 'previousSecretEncrypted'
    | 'previousSecretExpiresAt'
  > & { verification: object; dedupRule: object }
>;

/** What the webhook endpoint needs to know about a source: the source and its workspace's installation. */
export type EndpointSource = Omit<StoredSource, 'name' | 'createdAt' | 'updatedAt'> & {
  installationStatus: string | null;
  installationSettings: unknown;
};

/**
 * Custom sources. Every read and write is scoped by workspace: another workspace's id is "not found".
 * `sql` serves the webhook endpoint's lookup, one plain query on the request path.
 */
export function createSourcesRepo(db: PrismaClient, sql: Pick<Sql, 'query'>) {
  return {
    /** The webhook endpoint knows only the id (it is the URL): the source, and its installation, in one query. */
    async forEndpoint(id: string): Promise<EndpointSource | null> {
      const rows = await sql.query<EndpointSource>(
        `SELECT s.id, s.workspace_id AS "workspaceId", s.verification, s.dedup_rule AS "dedupRule",
                s.max_body_bytes AS "maxBodyBytes", s.content_types AS "contentTypes", s.enabled,
                s.secret_encrypted AS "secretEncrypted", s.previous_secret_encrypted AS "previousSecretEncrypted",
                s.previous_secret_expires_at AS "previousSecretExpiresAt",
                i.status AS "installationStatus", i.settings AS "installationSettings"
         FROM webhook_source s LEFT JOIN installation i ON i.workspace_id = s.workspace_id
         WHERE s.id = $1`,
        [id],
      );
      return rows[0] ?? null;
    },
    create(input: NewSource): Promise<StoredSource> {
      return db.webhookSource.create({ data: input });
    },
    get(workspaceId: string, id: string): Promise<StoredSource | null> {
      return db.webhookSource.findFirst({ where: { workspaceId, id } });
    },
    list(workspaceId: string): Promise<StoredSource[]> {
      return db.webhookSource.findMany({
        where: { workspaceId },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
    },
    async update(workspaceId: string, id: string, patch: SourcePatch): Promise<StoredSource | null> {
      const { count } = await db.webhookSource.updateMany({ where: { workspaceId, id }, data: patch });
      return count === 1 ? db.webhookSource.findFirst({ where: { workspaceId, id } }) : null;
    },
    async delete(workspaceId: string, id: string): Promise<boolean> {
      const { count } = await db.webhookSource.deleteMany({ where: { workspaceId, id } });
      if (count === 1) {
        await db.webhookSourceStats.deleteMany({ where: { workspaceId, sourceKey: id } });
        await db.webhookSourceStatsDelta.deleteMany({ where: { workspaceId, sourceKey: id } });
        await db.webhookRejection.deleteMany({ where: { workspaceId, sourceKey: id } });
      }
      return count === 1;
    },
  };
}
export type SourcesRepo = ReturnType<typeof createSourcesRepo>;
