import type { PrismaClient, WebhookSource } from '../../generated/prisma/client.js';

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

/** Custom sources. Every read and write is scoped by workspace: another workspace's id is "not found". */
export function createSourcesRepo(db: PrismaClient) {
  return {
    create(input: NewSource): Promise<StoredSource> {
      return db.webhookSource.create({ data: input });
    },
    get(workspaceId: string, id: string): Promise<StoredSource | null> {
      return db.webhookSource.findFirst({ where: { workspaceId, id } });
    },
    /** The webhook endpoint knows only the id (it is the URL); the row says which workspace it belongs to. */
    byId(id: string): Promise<StoredSource | null> {
      return db.webhookSource.findUnique({ where: { id } });
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
