import type { Clock } from '../../platform/clock.js';
import type { Cipher } from '../../platform/crypto.js';
import { AppError } from '../../platform/errors.js';
import { randomId } from '../../platform/ids.js';
import type { InstallationsService } from '../installations/installations.service.js';
import { type DedupRule, DedupRule as DedupRuleSchema, defaultDedupRule } from './dedup-key.js';
import type {
  CreateSourceBody,
  RotateSecretBody,
  SourceView,
  UpdateSourceBody,
} from './ingestion.schemas.js';
import { type Scheme, type SourceSecrets, SourceVerification, secretSchema } from './source-config.js';
import type { SourcesRepo, StoredSource } from './sources.repo.js';
import type { TtlCache } from '../../platform/ttl-cache.js';
import { generateSecret } from './verify/generate-secret.js';

/** What the webhook endpoint needs to know about a source, with its secrets decrypted (memory only). */
export type RuntimeSource = {
  id: string;
  workspaceId: string;
  verification: SourceVerification;
  dedupRule: DedupRule;
  maxBodyBytes: number;
  contentTypes: string[];
  secrets: SourceSecrets | undefined;
  /** Source enabled, workspace installed and not deleted, custom webhooks allowed by its settings. */
  accepting: boolean;
};

type Deps = {
  repo: SourcesRepo;
  installations: Pick<InstallationsService, 'requireInstalled'>;
  cipher: Cipher;
  clock: Clock;
  publicBaseUrl: string;
  /** The webhook endpoint's cache of RuntimeSource; every change here evicts the source from it. */
  cache: TtlCache<RuntimeSource | null>;
};

export const customWebhookPath = (sourceId: string) => `/webhooks/custom/${sourceId}`;

export function createSourcesService(deps: Deps) {
  const { repo, cipher, clock, cache } = deps;

  function view(s: StoredSource): SourceView {
    const rotating = s.previousSecretExpiresAt !== null && s.previousSecretExpiresAt > clock.now();
    return {
      id: s.id,
      name: s.name,
      url: `${deps.publicBaseUrl}${customWebhookPath(s.id)}`,
      verification: s.verification as Record<string, unknown>,
      dedupRule: s.dedupRule as Record<string, unknown>,
      maxBodyBytes: s.maxBodyBytes,
      contentTypes: s.contentTypes,
      enabled: s.enabled,
      hasSecret: s.secretEncrypted !== null,
      previousSecretExpiresAt: rotating ? s.previousSecretExpiresAt!.toISOString() : null,
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
    };
  }

  /** The admin's secret if valid for the scheme, or a generated one; null for `none`. */
  function chooseSecret(scheme: Scheme, given: string | undefined): string | null {
    if (scheme === 'none') {
      if (given !== undefined && given !== '') throw invalid('secret', 'the none scheme takes no secret');
      return null;
    }
    if (given === undefined) return generateSecret(scheme);
    const r = secretSchema(scheme).safeParse(given);
    if (!r.success) throw invalid('secret', r.error.issues[0]?.message ?? 'not valid for this scheme');
    return given;
  }

  async function mustGet(workspaceId: string, id: string): Promise<StoredSource> {
    const s = await repo.get(workspaceId, id);
    if (s === null) throw new AppError('NOT_FOUND', `No source ${id} in this workspace`);
    return s;
  }

  return {
    view,

    async create(
      workspaceId: string,
      body: CreateSourceBody,
    ): Promise<SourceView & { secret: string | null }> {
      await deps.installations.requireInstalled(workspaceId);
      const secret = chooseSecret(body.verification.scheme, body.secret);
      const row = await repo.create({
        workspaceId,
        id: `src_${randomId(24)}`,
        name: body.name,
        verification: body.verification,
        dedupRule: body.dedupRule ?? defaultDedupRule(body.verification.scheme),
        maxBodyBytes: body.maxBodyBytes,
        contentTypes: [...new Set(body.contentTypes)],
        enabled: body.enabled,
        secretEncrypted: secret === null ? null : cipher.encrypt(secret),
        // The app's clock, like the purge's `before`: both sides of that comparison use one clock.
        createdAt: clock.now(),
      });
      return { ...view(row), secret };
    },

    async list(workspaceId: string): Promise<SourceView[]> {
      return (await repo.list(workspaceId)).map(view);
    },

    async get(workspaceId: string, id: string): Promise<SourceView> {
      return view(await mustGet(workspaceId, id));
    },

    /** Returns the new secret when the scheme changed or a secret was given; otherwise `secret` is absent. */
    async update(
      workspaceId: string,
      id: string,
      body: UpdateSourceBody,
    ): Promise<SourceView & { secret?: string | null }> {
      const current = await mustGet(workspaceId, id);
      const currentScheme = (current.verification as SourceVerification).scheme;
      const scheme = body.verification?.scheme ?? currentScheme;
      const replaceSecret = scheme !== currentScheme || body.secret !== undefined;
      const secret = replaceSecret ? chooseSecret(scheme, body.secret) : undefined;
      const updated = await repo.update(workspaceId, id, {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.verification !== undefined ? { verification: body.verification } : {}),
        // A new scheme gets its own default dedup rule unless the admin gives one.
        ...(body.dedupRule !== undefined
          ? { dedupRule: body.dedupRule }
          : scheme !== currentScheme
            ? { dedupRule: defaultDedupRule(scheme) }
            : {}),
        ...(body.maxBodyBytes !== undefined ? { maxBodyBytes: body.maxBodyBytes } : {}),
        ...(body.contentTypes !== undefined ? { contentTypes: [...new Set(body.contentTypes)] } : {}),
        ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
        ...(secret !== undefined
          ? {
              secretEncrypted: secret === null ? null : cipher.encrypt(secret),
              previousSecretEncrypted: null,
              previousSecretExpiresAt: null,
            }
          : {}),
      });
      cache.delete(id);
      if (updated === null) throw new AppError('NOT_FOUND', `No source ${id} in this workspace`);
      return secret === undefined ? view(updated) : { ...view(updated), secret };
    },

    /** New secret now; the previous one keeps working until now + graceSeconds. */
    async rotateSecret(
      workspaceId: string,
      id: string,
      body: RotateSecretBody,
    ): Promise<SourceView & { secret: string | null }> {
      const current = await mustGet(workspaceId, id);
      const scheme = (current.verification as SourceVerification).scheme;
      if (scheme === 'none')
        throw new AppError('INVALID_DEFINITION', 'A source with the none scheme has no secret to rotate');
      const secret = chooseSecret(scheme, body.secret)!;
      const expiresAt = new Date(clock.now().getTime() + body.graceSeconds * 1_000);
      const keepPrevious = body.graceSeconds > 0 && current.secretEncrypted !== null;
      const updated = await repo.update(workspaceId, id, {
        secretEncrypted: cipher.encrypt(secret),
        previousSecretEncrypted: keepPrevious ? current.secretEncrypted : null,
        previousSecretExpiresAt: keepPrevious ? expiresAt : null,
      });
      cache.delete(id);
      if (updated === null) throw new AppError('NOT_FOUND', `No source ${id} in this workspace`);
      return { ...view(updated), secret };
    },

    async delete(workspaceId: string, id: string): Promise<SourceView> {
      const current = await mustGet(workspaceId, id);
      await repo.delete(workspaceId, id);
      cache.delete(id);
      return view(current);
    },

    /** Loads a source for the webhook endpoint (cached by the caller). Null: no such source. */
    async runtime(id: string): Promise<RuntimeSource | null> {
      const s = await repo.forEndpoint(id);
      if (s === null) return null;
      const verification = SourceVerification.safeParse(s.verification);
      const dedupRule = DedupRuleSchema.safeParse(s.dedupRule);
      if (!verification.success || !dedupRule.success)
        throw new Error(`source ${id} holds an unreadable configuration`);
      const acceptCustom = s.workspaceLive && s.acceptCustom;
      const secrets =
        s.secretEncrypted === null
          ? undefined
          : {
              current: cipher.decrypt(s.secretEncrypted),
              ...(s.previousSecretEncrypted !== null && s.previousSecretExpiresAt !== null
                ? {
                    previous: {
                      value: cipher.decrypt(s.previousSecretEncrypted),
                      expiresAt: s.previousSecretExpiresAt,
                    },
                  }
                : {}),
            };
      return {
        id: s.id,
        workspaceId: s.workspaceId,
        verification: verification.data,
        dedupRule: dedupRule.data,
        maxBodyBytes: s.maxBodyBytes,
        contentTypes: s.contentTypes,
        secrets,
        accepting: s.enabled && acceptCustom,
      };
    },
  };
}
export type SourcesService = ReturnType<typeof createSourcesService>;

const invalid = (field: string, message: string) =>
  new AppError('INVALID_DEFINITION', `${field}: ${message}`, { details: { field } });
