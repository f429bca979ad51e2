import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { CLOCKIFY_WEBHOOK_EVENTS, DEFAULT_MANIFEST_EVENTS } from '../integrations/clockify/webhook-events.js';
import {
  DEFAULT_OUTBOUND_POLICY,
  type OutboundPolicy,
  parseCidrList,
  parsePortList,
} from '../platform/safe-http/policy.js';

const DEFAULT_PUBLIC_KEY_PATH = 'keys/clockify-public-key.pem';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

// ── Outbound HTTP to URLs a workspace admin chose (docs/outbound-http.md) ──────────────────────────
const outboundInt = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const OUTBOUND_ENV = {
  /** CIDRs or addresses that may be called although not public (e.g. 127.0.0.1 for a local demo). */
  OUTBOUND_ALLOW_CIDRS: z.string().default(''),
  OUTBOUND_ALLOW_HTTP: optionalString.pipe(z.stringbool().optional()),
  OUTBOUND_ALLOWED_PORTS: z.string().default(DEFAULT_OUTBOUND_POLICY.allowedPorts.toString()),
  OUTBOUND_CONNECT_TIMEOUT_MS: outboundInt(100, 60_000, DEFAULT_OUTBOUND_POLICY.connectTimeoutMs),
  OUTBOUND_TIMEOUT_MS: outboundInt(100, 300_000, DEFAULT_OUTBOUND_POLICY.timeoutMs),
  OUTBOUND_MAX_REQUEST_BYTES: outboundInt(1_024, 50 * 1_048_576, DEFAULT_OUTBOUND_POLICY.maxRequestBytes),
  OUTBOUND_MAX_RESPONSE_BYTES: outboundInt(1_024, 50 * 1_048_576, DEFAULT_OUTBOUND_POLICY.maxResponseBytes),
  OUTBOUND_MAX_HEADERS: outboundInt(1, 1_000, DEFAULT_OUTBOUND_POLICY.maxHeaders),
  OUTBOUND_MAX_HEADER_BYTES: outboundInt(1_024, 65_536, DEFAULT_OUTBOUND_POLICY.maxHeaderBytes),
};

/** Lists are checked even when another setting failed, so one start-up attempt reports every problem. */
function outboundPolicyFromEnv(
  env: Env | undefined,
  raw: (name: string) => string | undefined,
  problems: string[],
): OutboundPolicy {
  const cidrs = parseCidrList(raw('OUTBOUND_ALLOW_CIDRS') ?? '');
  if (!cidrs.ok) problems.push(`OUTBOUND_ALLOW_CIDRS: ${cidrs.problem}`);
  const ports = parsePortList(
    raw('OUTBOUND_ALLOWED_PORTS') ?? DEFAULT_OUTBOUND_POLICY.allowedPorts.toString(),
  );
  if (!ports.ok) problems.push(`OUTBOUND_ALLOWED_PORTS: ${ports.problem}`);
  if (env === undefined) return DEFAULT_OUTBOUND_POLICY;
  if (env.OUTBOUND_CONNECT_TIMEOUT_MS > env.OUTBOUND_TIMEOUT_MS) {
    problems.push('OUTBOUND_CONNECT_TIMEOUT_MS: must not exceed OUTBOUND_TIMEOUT_MS');
  }
  return Object.freeze({
    allowCidrs: Object.freeze(cidrs.ok ? cidrs.value : []),
    allowHttp: env.OUTBOUND_ALLOW_HTTP ?? false,
    allowedPorts: ports.ok ? ports.value : DEFAULT_OUTBOUND_POLICY.allowedPorts,
    connectTimeoutMs: env.OUTBOUND_CONNECT_TIMEOUT_MS,
    timeoutMs: env.OUTBOUND_TIMEOUT_MS,
    maxRequestBytes: env.OUTBOUND_MAX_REQUEST_BYTES,
    maxResponseBytes: env.OUTBOUND_MAX_RESPONSE_BYTES,
    maxHeaders: env.OUTBOUND_MAX_HEADERS,
    maxHeaderBytes: env.OUTBOUND_MAX_HEADER_BYTES,
  });
}
// ────────────────────────────────────────────────────────────────────────────────────────────────

/** Every setting the process reads, in one place. `.env.example` documents each one. */
export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z
    .string()
    .trim()
    .refine((v) => /^\d{1,5}$/.test(v) && Number(v) <= 65_535, {
      error: (iss) => `must be a port number from 0 to 65535 (got "${String(iss.input).slice(0, 20)}")`,
    })
    .transform(Number)
    .prefault('8080'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  PUBLIC_BASE_URL: optionalString.pipe(
    z
      .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
      .transform((u) => u.replace(/\/+$/, ''))
      .optional(),
  ),
  ENCRYPTION_KEY: optionalString,
  ADDON_KEY: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{2,50}$/, '2–50 characters: letters, digits, dot, dash, underscore')
    .default('webhook-gateway'),
  ADDON_NAME: z.string().min(1).max(50).default('Webhook Gateway'),
  ADDON_MINIMAL_PLAN: z.enum(['FREE', 'BASIC', 'STANDARD', 'PRO', 'ENTERPRISE']).default('FREE'),
  CLOCKIFY_PUBLIC_KEY: optionalString,
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(1_024).default(128),
  JOB_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  JOB_RETENTION_DAYS: z.coerce.number().int().min(1).max(3_650).default(7),
  JOB_DEAD_RETENTION_DAYS: z.coerce.number().int().min(1).max(3_650).default(30),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .max(50 * 1_048_576)
    .default(1_048_576),
  MANIFEST_WEBHOOK_EVENTS: z.string().default(DEFAULT_MANIFEST_EVENTS.join(',')),
  CLOCKIFY_REGISTER_EVENTS: z.string().default('rest'),
  /** PostgreSQL server only: time to open a connection, and the longest a statement may run. */
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /**
   * The gateway's own VACUUM/ANALYZE of its tables (store/maintenance.ts): `auto` when nothing else does it
   * (the embedded database, a server with autovacuum off), `always`, or `off`; checked every interval.
   */
  DB_MAINTENANCE: z.enum(['auto', 'always', 'off']).default('auto'),
  DB_MAINTENANCE_INTERVAL_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(10_000),
  /** How long /readyz waits for its probe query before answering 503. */
  READINESS_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
  INGEST_BATCH_WINDOW_MS: z.coerce.number().min(0).max(50).default(1),
  INGEST_BATCH_MAX: z.coerce.number().int().min(1).max(1_000).default(200),
  INGEST_BATCHES_IN_FLIGHT: z.coerce.number().int().min(1).max(16).default(1),
  ...OUTBOUND_ENV,
  /** Outbound webhooks: an endpoint failing continuously this many hours is disabled (docs/outbound.md). */
  DELIVERY_FAILURE_WINDOW_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 24)
    .default(120),
  FLOWS_MAX_PER_WORKSPACE: z.coerce.number().int().min(1).max(100_000).default(200),
  FLOWS_MAX_DEFINITION_BYTES: z.coerce.number().int().min(1_024).max(1_048_576).default(65_536),
  FLOWS_MAX_ACTIONS: z.coerce.number().int().min(1).max(200).default(20),
  FLOWS_MAX_RULES: z.coerce.number().int().min(1).max(1_000).default(100),
});
export type Env = z.infer<typeof EnvSchema>;

export type Config = Readonly<{
  env: Env['NODE_ENV'];
  http: { host: string; port: number; bodyLimitBytes: number };
  dataDir: string;
  database:
    | { kind: 'embedded'; dataDir: string }
    | { kind: 'server'; url: string; connectTimeoutMs: number; statementTimeoutMs: number };
  /** The gateway's own VACUUM/ANALYZE (store/maintenance.ts). */
  databaseMaintenance: { mode: 'auto' | 'always' | 'off'; intervalMs: number };
  /** The time limit of /readyz's probe query. */
  readinessTimeoutMs: number;
  publicBaseUrl: string;
  /** 32 bytes, or null: then the key is generated into (or read from) the data dir at start-up. */
  encryptionKey: Buffer | null;
  addon: { key: string; name: string; minimalPlan: Env['ADDON_MINIMAL_PLAN'] };
  clockifyPublicKeyPem: string;
  logLevel: Env['LOG_LEVEL'];
  role: Env['ROLE'];
  worker: {
    concurrency: number;
    /**
     * Outbound delivery attempts one process runs at once (the `outbound` pool: their own slots, so a slow
     * endpoint never holds the workers other jobs need).
     */
    outboundConcurrency: number;
    pollIntervalMs: number;
    /** Days a finished job row is kept: succeeded ones, and dead ones (kept longer, for redrive). */
    retention: { succeededDays: number; deadDays: number };
  };
  shutdownTimeoutMs: number;
  ingestion: {
    /** Clockify events declared in the manifest (at most 20). */
    manifestEvents: string[];
    /** Events registered through Clockify's API at install: the rest, none, or a list. */
    registerEvents: 'rest' | 'none' | string[];
    batchWindowMs: number;
    batchMax: number;
    batchesInFlight: number;
  };
  /** The SSRF policy for every call to an admin-chosen URL (flow HTTP actions, outbound webhooks). */
  outbound: OutboundPolicy;
  /** Outbound webhooks (src/modules/delivery). */
  delivery: { failureWindowMs: number };
  /** Flow limits (docs/flows.md, "Limits"). */
  flows: {
    maxFlowsPerWorkspace: number;
    limits: { maxDefinitionBytes: number; maxActions: number; maxRules: number };
  };
}>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  /** Every problem on one line, for the start-up message. */
  get oneLine(): string {
    return `invalid configuration: ${this.problems.join('; ')}`;
  }
}

/** Settings that work but are probably a mistake in production; logged as warnings at start-up. */
export function configWarnings(config: Config): string[] {
  if (config.env !== 'production') return [];
  const warnings: string[] = [];
  if (config.database.kind === 'embedded') {
    warnings.push(
      'NODE_ENV=production with the embedded database (one process, data in DATA_DIR): set DATABASE_URL for a PostgreSQL server',
    );
  }
  if (config.publicBaseUrl.startsWith('http:')) {
    warnings.push(
      `NODE_ENV=production with an http: PUBLIC_BASE_URL (${config.publicBaseUrl}): Clockify needs an https:// URL`,
    );
  }
  return warnings;
}

type ConfigIo = { readFile: (path: string) => string; cwd: string };
const defaultIo: ConfigIo = { readFile: (p) => readFileSync(p, 'utf8'), cwd: process.cwd() };

/** Parses the environment once. Every problem is collected, so one start-up attempt reports them all. */
export function loadConfig(source: Record<string, string | undefined>, io: ConfigIo = defaultIo): Config {
  const parsed = EnvSchema.safeParse(source);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  const env = parsed.success ? parsed.data : undefined;

  const raw = (name: string) => {
    const v = source[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const nodeEnv = env?.NODE_ENV ?? raw('NODE_ENV');

  let encryptionKey: Buffer | null = null;
  const keyText = raw('ENCRYPTION_KEY');
  if (keyText !== undefined) {
    encryptionKey = parseKey(keyText);
    if (encryptionKey === null) {
      problems.push(
        'ENCRYPTION_KEY: must be 32 bytes as 64 hex characters or base64 (openssl rand -base64 32)',
      );
    }
  } else if (nodeEnv === 'production') {
    problems.push('ENCRYPTION_KEY: required when NODE_ENV=production');
  }
  if (nodeEnv === 'production' && raw('PUBLIC_BASE_URL') === undefined) {
    problems.push('PUBLIC_BASE_URL: required when NODE_ENV=production');
  }

  let pem = '';
  const keySetting = raw('CLOCKIFY_PUBLIC_KEY') ?? DEFAULT_PUBLIC_KEY_PATH;
  if (keySetting.includes('-----BEGIN')) {
    pem = keySetting.replace(/\\n/g, '\n');
  } else {
    try {
      pem = io.readFile(resolve(io.cwd, keySetting));
    } catch {
      problems.push(`CLOCKIFY_PUBLIC_KEY: cannot read PEM file ${keySetting}`);
    }
  }
  if (pem !== '' && !pem.includes('-----BEGIN PUBLIC KEY-----')) {
    problems.push('CLOCKIFY_PUBLIC_KEY: not a PEM public key (expected -----BEGIN PUBLIC KEY-----)');
  }

  const eventList = (name: string, text: string | undefined): string[] => {
    const list = (text ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    const unknown = list.filter((e) => !(CLOCKIFY_WEBHOOK_EVENTS as readonly string[]).includes(e));
    if (unknown.length > 0) problems.push(`${name}: unknown Clockify event(s) ${unknown.join(', ')}`);
    return list;
  };
  const manifestEvents = eventList('MANIFEST_WEBHOOK_EVENTS', env?.MANIFEST_WEBHOOK_EVENTS);
  if (manifestEvents.length > 20)
    problems.push('MANIFEST_WEBHOOK_EVENTS: at most 20 events (Clockify caps manifest webhooks)');
  const registerText = env?.CLOCKIFY_REGISTER_EVENTS.trim() ?? 'rest';
  const registerEvents: 'rest' | 'none' | string[] =
    registerText === 'rest' || registerText === 'none'
      ? registerText
      : eventList('CLOCKIFY_REGISTER_EVENTS', registerText);

  const outbound = outboundPolicyFromEnv(env, raw, problems);

  if (problems.length > 0 || env === undefined) throw new ConfigError(problems);

  const dataDir = resolve(io.cwd, env.DATA_DIR);
  return Object.freeze({
    env: env.NODE_ENV,
    http: { host: env.HOST, port: env.PORT, bodyLimitBytes: env.BODY_LIMIT_BYTES },
    dataDir,
    database:
      env.DATABASE_URL !== undefined
        ? {
            kind: 'server' as const,
            url: env.DATABASE_URL,
            connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
            statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
          }
        : { kind: 'embedded' as const, dataDir: resolve(dataDir, 'pglite') },
    databaseMaintenance: { mode: env.DB_MAINTENANCE, intervalMs: env.DB_MAINTENANCE_INTERVAL_MS },
    readinessTimeoutMs: env.READINESS_TIMEOUT_MS,
    publicBaseUrl: env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT}`,
    encryptionKey,
    addon: { key: env.ADDON_KEY, name: env.ADDON_NAME, minimalPlan: env.ADDON_MINIMAL_PLAN },
    clockifyPublicKeyPem: pem,
    logLevel: env.LOG_LEVEL,
    role: env.ROLE,
    worker: {
      concurrency: env.WORKER_CONCURRENCY,
      outboundConcurrency: env.DELIVERY_CONCURRENCY,
      pollIntervalMs: env.JOB_POLL_INTERVAL_MS,
      retention: { succeededDays: env.JOB_RETENTION_DAYS, deadDays: env.JOB_DEAD_RETENTION_DAYS },
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    ingestion: {
      manifestEvents,
      registerEvents,
      batchWindowMs: env.INGEST_BATCH_WINDOW_MS,
      batchMax: env.INGEST_BATCH_MAX,
      batchesInFlight: env.INGEST_BATCHES_IN_FLIGHT,
    },
    outbound,
    delivery: { failureWindowMs: env.DELIVERY_FAILURE_WINDOW_HOURS * 3_600_000 },
    flows: {
      maxFlowsPerWorkspace: env.FLOWS_MAX_PER_WORKSPACE,
      limits: {
        maxDefinitionBytes: env.FLOWS_MAX_DEFINITION_BYTES,
        maxActions: env.FLOWS_MAX_ACTIONS,
        maxRules: env.FLOWS_MAX_RULES,
      },
    },
  });
}

function parseKey(text: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  const b = Buffer.from(text, 'base64');
  return b.length === 32 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) ? b : null;
}
