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

/** What the webhook endpoint needs to know about a source: the source, and whether its workspace takes it. */
export type EndpointSource = Omit<StoredSource, 'name' | 'createdAt' | 'updatedAt'> & {
  /** The workspace is installed and not deleted. */
  workspaceLive: boolean;
  /** Its settings allow custom webhooks. */
  acceptCustom: boolean;
};

/**
 * Custom sources. Every read and write is scoped by workspace: another workspace's id is "not found".
 * `sql` serves the webhook endpoint's lookup, one plain query on the request path.
 */
export function createSourcesRepo(
  db: PrismaClient,
  sql: Pick<Sql, 'query'>,
  fragments: {
    /** The installations module's SELECT of (workspace_id, active, accept_custom) for live workspaces. */
    liveWorkspaces: (workspaceIds: string) => string;
  },
) {
  const FOR_ENDPOINT = `SELECT s.id, s.workspace_id AS "workspaceId", s.verification, s.dedup_rule AS "dedupRule",
                s.max_body_bytes AS "maxBodyBytes", s.content_types AS "contentTypes", s.enabled,
                s.secret_encrypted AS "secretEncrypted", s.previous_secret_encrypted AS "previousSecretEncrypted",
                s.previous_secret_expires_at AS "previousSecretExpiresAt",
                (w.workspace_id IS NOT NULL) AS "workspaceLive", COALESCE(w.accept_custom, false) AS "acceptCustom"
         FROM webhook_source s
         LEFT JOIN (${fragments.liveWorkspaces('SELECT workspace_id FROM webhook_source WHERE id = $1')}) w
           ON w.workspace_id = s.workspace_id
         WHERE s.id = $1`;
  return {
    /** The webhook endpoint knows only the id (it is the URL): the source, and its installation, in one query. */
    async forEndpoint(id: string): Promise<EndpointSource | null> {
      const rows = await sql.query<EndpointSource>(FOR_ENDPOINT, [id]);
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
