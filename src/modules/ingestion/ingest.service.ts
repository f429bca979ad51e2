import type { Clock } from '../../platform/clock.js';
import { sha256Hex } from '../../platform/crypto.js';
import { AppError } from '../../platform/errors.js';
import {
  MAX_JSON_DEPTH,
  TOO_DEEP_MESSAGE,
  jsonNestingDepth,
  storableText,
} from '../../platform/storable-text.js';
import {
  type ClockifyClaims,
  type ClockifyTokenVerifier,
  readClaimsUnverified,
} from '../auth/clockify-token.js';
import { isClockifyEvent } from '../../integrations/clockify/webhook-events.js';
import { clockifyDedupKey } from './clockify-events.js';
import { dedupKey } from './dedup-key.js';
import type { EventsRepo, InsertOutcome, NewEvent } from './events.repo.js';
import type { IngestBatcher } from './ingest-batcher.js';
import { redactHeaders } from './redact-headers.js';
import { slackChallenge } from './slack-challenge.js';
import type { RuntimeSource } from './sources.service.js';
import type { TtlCache } from '../../platform/ttl-cache.js';
import type { InstallationsService } from '../installations/installations.service.js';
import { type RawHeaders, headerLookup } from './verify/headers.js';
import { verifySource } from './verify/verify-source.js';

export type InboundRequest = { headers: RawHeaders; rawBody: Buffer; contentType: string | null };
export type IngestReply =
  | { status: 202; body: { eventId: string } }
  | { status: 200; body: { eventId: string; duplicate: true } }
  | { status: 200; body: { challenge: string } };

/** Rejections kept per source (the quarantine); older ones are dropped as new ones arrive. */
export const QUARANTINE_SIZE = 50;

type Deps = {
  /** Whether a workspace is live, and its webhook token hashes by event (cached by installations). */
  installations: Pick<InstallationsService, 'webhookAuth'>;
  events: Pick<EventsRepo, 'recordRejection'>;
  batcher: IngestBatcher;
  verifier: ClockifyTokenVerifier;
  clock: Clock;
  sources: { runtime(id: string): Promise<RuntimeSource | null> };
  caches: {
    sources: TtlCache<RuntimeSource | null>;
    /** sha256(token) → verified claims. Webhook tokens never expire; RSA verification is the costly part. */
    tokens: TtlCache<ClockifyClaims>;
  };
};

/** The media type without parameters, lowercased (`application/json; charset=utf-8` → `application/json`). */
export const mediaTypeOf = (contentType: string | null | undefined): string | null => {
  const t = contentType?.split(';')[0]?.trim().toLowerCase();
  return t === undefined || t === '' ? null : t;
};
export const isJsonMediaType = (t: string | null): boolean =>
  t === 'application/json' || (t?.endsWith('+json') ?? false);

export function mediaTypeAllowed(allowed: readonly string[], type: string | null): boolean {
  if (type === null) return false;
  return allowed.some(
    (a) => a === '*/*' || a === type || (a.endsWith('/*') && type.startsWith(a.slice(0, -1))),
  );
}

const signatureInvalid = (why: string) => new AppError('SIGNATURE_INVALID', `Webhook rejected (${why})`);

/**
 * JSON bodies must parse, and nest at most MAX_JSON_DEPTH deep: processing walks and stores them, and
 * deeper JSON would exhaust the stack of JSON.stringify or PostgreSQL's jsonb parser on every attempt.
 * Counted on the bytes first (cheap, stops early) so a hostile body is never parsed.
 */
function parseJson(raw: Buffer): unknown {
  if (jsonNestingDepth(raw, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new AppError('VALIDATION_FAILED', `body: ${TOO_DEEP_MESSAGE} (docs/ingestion.md, "Limits")`, {
      details: { issues: [{ path: 'body', message: TOO_DEEP_MESSAGE }] },
    });
  }
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new AppError('INVALID_JSON', 'The body is not valid JSON');
  }
}

function reply(outcome: InsertOutcome): IngestReply {
  switch (outcome.kind) {
    case 'accepted':
      return { status: 202, body: { eventId: outcome.eventId } };
    case 'duplicate':
      return { status: 200, body: { eventId: outcome.eventId, duplicate: true } };
    case 'gone':
      throw new AppError('NOT_FOUND', 'No such webhook endpoint');
  }
}

export function createIngestService(deps: Deps) {
  const { caches, clock } = deps;

  const clockifyWorkspace = (workspaceId: string, fresh: boolean) =>
    deps.installations.webhookAuth(workspaceId, fresh);

  async function quarantine(
    workspaceId: string,
    sourceKey: string,
    reason: string,
    eventType: string | null,
    headers: Record<string, string>,
    bodyBytes: number,
  ) {
    await deps.events.recordRejection(
      { workspaceId, sourceKey, reason, eventType, headers, bodyBytes, receivedAt: clock.now() },
      QUARANTINE_SIZE,
    );
  }

  return {
    /**
     * A Clockify webhook: `pathEvent` from `/webhooks/clockify/:event`, or null on the single path (then
     * the event-type header decides). The token must verify, belong to a live installation, and be the
     * one stored for that workspace and event; the header must agree with the path; the payload's
     * workspace (if it names one) must be the token's.
     */
    async clockify(pathEvent: string | null, req: InboundRequest): Promise<IngestReply> {
      const h = headerLookup(req.headers);
      const headerEvent = h('clockify-webhook-event-type') ?? null;
      const event = pathEvent ?? headerEvent;
      const token = h('clockify-signature');
      const redacted = () => redactHeaders(req.headers, { scheme: 'none' });

      const tokenHash = token === undefined ? null : sha256Hex(token.trim());
      let claims = tokenHash === null ? undefined : caches.tokens.get(tokenHash);
      if (claims === undefined) {
        const r = await deps.verifier.verify(token, clock.now());
        if (!r.ok) {
          // The claimed workspace is unverified: quarantine only under a live installation, never store the event.
          const claimed = token === undefined ? null : readClaimsUnverified(token.trim())?.workspaceId;
          if (typeof claimed === 'string' && (await clockifyWorkspace(claimed, false)).live) {
            await quarantine(claimed, 'clockify', `token-${r.reason}`, event, redacted(), req.rawBody.length);
          }
          throw signatureInvalid(`token ${r.reason}`);
        }
        claims = r.claims;
        // Never-expiring tokens are cached for long; one with an exp only until then.
        const ttl = claims.exp === undefined ? undefined : claims.exp * 1_000 - clock.now().getTime();
        if (tokenHash !== null && (ttl === undefined || ttl > 0)) caches.tokens.set(tokenHash, claims, ttl);
      }
      const workspaceId = claims.workspaceId;
      let ws = await clockifyWorkspace(workspaceId, false);
      if (!ws.live)
        throw new AppError('INSTALLATION_NOT_FOUND', `Workspace ${workspaceId} has no installation`);
      const reject = async (reason: string) => {
        await quarantine(workspaceId, 'clockify', reason, event, redacted(), req.rawBody.length);
        return signatureInvalid(reason);
      };

      if (event === null || !isClockifyEvent(event)) throw await reject('unknown-event-type');
      if (pathEvent !== null && headerEvent !== null && headerEvent !== pathEvent)
        throw await reject('event-type-mismatch');
      if (!ws.hashes.get(event)?.has(tokenHash!)) {
        // The cache may predate a registration that just finished: ask the database once before rejecting.
        ws = await clockifyWorkspace(workspaceId, true);
        if (!ws.hashes.get(event)?.has(tokenHash!)) throw await reject('token-not-for-this-event');
      }
      if (mediaTypeOf(req.contentType) !== 'application/json') {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Clockify webhooks are application/json');
      }
      const json = parseJson(req.rawBody);
      const payloadWs =
        typeof json === 'object' && json !== null
          ? (json as { workspaceId?: unknown }).workspaceId
          : undefined;
      if (payloadWs !== undefined && payloadWs !== workspaceId)
        throw await reject('payload-workspace-mismatch');

      const stored: NewEvent = {
        workspaceId,
        sourceKind: 'clockify',
        sourceKey: 'clockify',
        eventType: event,
        dedupKey: clockifyDedupKey(event, req.rawBody),
        contentType: req.contentType,
        body: req.rawBody,
        headers: redacted(),
        verification: { method: 'clockify-jwt', path: pathEvent === null ? 'single' : 'per-event' },
        receivedAt: clock.now(),
      };
      return reply(await deps.batcher.submit(stored));
    },

    /** Looks a custom source up for the endpoint (cached); null when unknown. */
    async source(sourceId: string): Promise<RuntimeSource | null> {
      return caches.sources.getOrLoad(sourceId, () => deps.sources.runtime(sourceId));
    },

    /** Before the body is read: unknown/disabled → 404, content type → 415, declared size → 413. */
    precheck(
      source: RuntimeSource | null,
      contentType: string | undefined,
      contentLength: number | null,
    ): RuntimeSource {
      if (source === null || !source.accepting) throw new AppError('NOT_FOUND', 'No such webhook endpoint');
      if (!mediaTypeAllowed(source.contentTypes, mediaTypeOf(contentType))) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', `This source accepts ${source.contentTypes.join(', ')}`);
      }
      if (contentLength !== null && contentLength > source.maxBodyBytes) {
        throw new AppError(
          'PAYLOAD_TOO_LARGE',
          `This source accepts bodies up to ${source.maxBodyBytes} bytes`,
        );
      }
      return source;
    },

    async custom(source: RuntimeSource, req: InboundRequest): Promise<IngestReply> {
      const headers = redactHeaders(req.headers, source.verification, source.secrets);
      const v = verifySource({
        config: source.verification,
        secrets: source.secrets,
        rawBody: req.rawBody,
        headers: req.headers,
        now: clock.now(),
      });
      if (!v.ok) {
        await quarantine(source.workspaceId, source.id, v.reason, null, headers, req.rawBody.length);
        throw signatureInvalid(v.reason);
      }
      const type = mediaTypeOf(req.contentType);
      const json = isJsonMediaType(type) ? parseJson(req.rawBody) : undefined;
      const challenge = slackChallenge(source.verification.scheme, json);
      if (challenge !== null) return { status: 200, body: { challenge } };

      const key = dedupKey(source.dedupRule, { headers: req.headers, rawBody: req.rawBody, json });
      const h = headerLookup(req.headers);
      const stored: NewEvent = {
        workspaceId: source.workspaceId,
        sourceKind: 'custom',
        sourceKey: source.id,
        eventType: storable(eventTypeOf(h, json) ?? 'custom'),
        dedupKey: storable(key.key),
        contentType: req.contentType,
        body: req.rawBody,
        headers,
        verification: {
          method: source.verification.scheme,
          secretUsed: v.secretUsed,
          dedupFellBack: key.fellBack,
        },
        receivedAt: clock.now(),
      };
      return reply(await deps.batcher.submit(stored));
    },
  };
}
export type IngestService = ReturnType<typeof createIngestService>;

/**
 * PostgreSQL text cannot hold a NUL character or an unpaired surrogate. Values taken from a sender's
 * payload (event type, a JSONPath dedup value) go into the batch statement shared with other senders'
 * events, so one hostile value must not fail everyone's batch: each becomes U+FFFD.
 */
export const storable = storableText;

/** Best-effort event type for custom sources: the provider's event header, else a `type`/`event` field. */
function eventTypeOf(h: (name: string) => string | undefined, json: unknown): string | undefined {
  const fromHeader =
    h('x-github-event') ?? h('x-shopify-topic') ?? h('x-event-type') ?? h('webhook-event-type');
  if (fromHeader !== undefined) return fromHeader.slice(0, 100);
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const o = json as Record<string, unknown>;
    const nested =
      typeof o.event === 'object' && o.event !== null ? (o.event as Record<string, unknown>).type : undefined;
    for (const v of [o.type, o.event, o.event_type, nested])
      if (typeof v === 'string' && v !== '') return v.slice(0, 100);
  }
  return undefined;
}
