import { z } from 'zod';
import { formatRetryDelays, parseRetryDelays } from './retry-delays.js';

/**
 * The add-on's structured settings (PLATFORM.md §1 "Settings"). This one table drives the manifest,
 * the defaults stored at install, and the validation of SETTINGS_UPDATED.
 */
type Base = { id: string; name: string; description: string };
export type SettingDefinition =
  | (Base & { type: 'NUMBER'; value: number; min: number; max: number; integer: boolean })
  | (Base & { type: 'CHECKBOX'; value: boolean })
  | (Base & {
      type: 'TXT';
      value: string;
      /** Validates a value and returns its canonical text (what is stored), or the problem. */
      normalize: (text: string) => { ok: true; value: string } | { ok: false; message: string };
    });

export type SettingsGroup = { id: string; title: string; description: string; settings: SettingDefinition[] };
export type SettingsTab = { id: string; name: string; groups: SettingsGroup[] };

const num = (
  id: string,
  name: string,
  description: string,
  value: number,
  min: number,
  max: number,
): SettingDefinition => ({
  id,
  name,
  description,
  type: 'NUMBER',
  value,
  min,
  max,
  integer: true,
});
const check = (id: string, name: string, description: string, value: boolean): SettingDefinition => ({
  id,
  name,
  description,
  type: 'CHECKBOX',
  value,
});
const retryDelays = (id: string, name: string, description: string, value: string): SettingDefinition => ({
  id,
  name,
  description,
  type: 'TXT',
  value,
  normalize: (text) => {
    const r = parseRetryDelays(text);
    return r.ok ? { ok: true, value: formatRetryDelays(r.delaysS) } : r;
  },
});

export const SETTINGS_TABS: SettingsTab[] = [
  {
    id: 'bootstrap',
    name: 'Bootstrap',
    groups: [
      {
        id: 'bootstrap-group',
        title: 'Data bootstrap',
        description: 'How the gateway copies this workspace’s Clockify data into its cache.',
        settings: [
          num(
            'bootstrap_max_rps',
            'Max requests per second',
            'Clockify API calls per second for this workspace (1–50).',
            25,
            1,
            50,
          ),
          check(
            'bootstrap_include_heavy',
            'Include heavy endpoints',
            'Also fetch reports, audit logs and other expensive endpoints.',
            false,
          ),
          check(
            'bootstrap_include_time_entries',
            'Include time entries',
            'Fetch time entries during the bootstrap.',
            true,
          ),
          num(
            'bootstrap_time_entry_days',
            'Time-entry days back',
            'How many days of time entries to fetch (1–3650).',
            30,
            1,
            3650,
          ),
        ],
      },
    ],
  },
  {
    id: 'webhooks',
    name: 'Webhooks',
    groups: [
      {
        id: 'webhooks-group',
        title: 'Inbound webhooks',
        description: 'Webhooks from Clockify and from external systems.',
        settings: [
          check(
            'webhooks_accept_custom',
            'Accept custom webhooks',
            'Accept webhooks from external systems through custom sources.',
            true,
          ),
          num(
            'webhooks_log_retention_days',
            'Log retention (days)',
            'How long received webhooks are kept (1–365).',
            30,
            1,
            365,
          ),
        ],
      },
      {
        id: 'outbound-group',
        title: 'Outbound webhooks',
        description: 'Webhooks this gateway sends to your endpoints.',
        settings: [
          retryDelays(
            'delivery_retry_schedule',
            'Retry schedule',
            'Waits before each retry of a failed delivery, comma-separated (s, m, h; e.g. 5s,5m,30m,2h). ' +
              '1–20 retries, each 1s–24h, never shorter than the one before; each ±20 % jitter. ' +
              'After the last retry the message fails.',
            '5s,5m,30m,2h,5h,10h,14h,20h,24h',
          ),
        ],
      },
    ],
  },
  {
    id: 'flows',
    name: 'Flows',
    groups: [
      {
        id: 'flows-group',
        title: 'No-code flows',
        description: 'Event → conditions → actions.',
        settings: [
          check('flows_enabled', 'Enable flows', 'Run flows when events arrive.', true),
          check(
            'flows_allow_http',
            'Allow generic HTTP actions',
            'Let flows call any public HTTP endpoint (through the SSRF-guarded client). Off by default.',
            false,
          ),
          num(
            'flows_execution_retention_days',
            'Execution retention (days)',
            'How long flow run logs are kept (1–365).',
            30,
            1,
            365,
          ),
        ],
      },
    ],
  },
  {
    id: 'cache',
    name: 'Cache',
    groups: [
      {
        id: 'cache-group',
        title: 'Entity cache',
        description: 'The local copy of Clockify data.',
        settings: [
          num(
            'cache_ttl_days',
            'Cache TTL (days)',
            'Cached entities older than this are refreshed or dropped (1–365).',
            7,
            1,
            365,
          ),
        ],
      },
    ],
  },
  {
    id: 'explorer',
    name: 'API explorer',
    groups: [
      {
        id: 'explorer-group',
        title: 'API explorer',
        description: 'Trying Clockify API calls from the admin page.',
        settings: [
          check(
            'explorer_allow_writes',
            'API explorer may change data',
            'Let admins send calls that create, change or delete Clockify data (each one confirmed).',
            false,
          ),
          num(
            'explorer_history_days',
            'History retention (days)',
            'How long API explorer calls are kept (1–365).',
            30,
            1,
            365,
          ),
        ],
      },
    ],
  },
];

export const SETTING_DEFINITIONS: SettingDefinition[] = SETTINGS_TABS.flatMap((t) =>
  t.groups.flatMap((g) => g.settings),
);
const BY_ID = new Map(SETTING_DEFINITIONS.map((d) => [d.id, d]));

export type SettingValue = number | boolean | string;
export type SettingsMap = Record<string, SettingValue>;

export const defaultSettings = (): SettingsMap =>
  Object.fromEntries(SETTING_DEFINITIONS.map((d) => [d.id, d.value]));

/** Typed view of a workspace's settings; anything missing or unreadable falls back to its default. */
export type WorkspaceSettings = {
  bootstrap: {
    maxRequestsPerSecond: number;
    includeHeavy: boolean;
    includeTimeEntries: boolean;
    timeEntryDaysBack: number;
  };
  webhooks: { acceptCustom: boolean; logRetentionDays: number };
  /** Outbound webhooks: seconds before retries 1, 2, … (its length is the number of retries). */
  delivery: { retryDelaysS: number[] };
  flows: { enabled: boolean; allowHttp: boolean; executionRetentionDays: number };
  cache: { ttlDays: number };
  explorer: { allowWrites: boolean; historyDays: number };
};

export function readSettings(stored: unknown): WorkspaceSettings {
  const s = { ...defaultSettings(), ...sanitize(stored) };
  const n = (id: string) => s[id] as number;
  const b = (id: string) => s[id] as boolean;
  const delays = (id: string) => {
    // Stored values were validated (sanitize); the default is the fallback all the same.
    const r = parseRetryDelays(String(s[id]));
    const d = parseRetryDelays(String(BY_ID.get(id)?.value));
    return r.ok ? r.delaysS : d.ok ? d.delaysS : [];
  };
  return {
    bootstrap: {
      maxRequestsPerSecond: n('bootstrap_max_rps'),
      includeHeavy: b('bootstrap_include_heavy'),
      includeTimeEntries: b('bootstrap_include_time_entries'),
      timeEntryDaysBack: n('bootstrap_time_entry_days'),
    },
    webhooks: {
      acceptCustom: b('webhooks_accept_custom'),
      logRetentionDays: n('webhooks_log_retention_days'),
    },
    delivery: { retryDelaysS: delays('delivery_retry_schedule') },
    flows: {
      enabled: b('flows_enabled'),
      allowHttp: b('flows_allow_http'),
      executionRetentionDays: n('flows_execution_retention_days'),
    },
    cache: { ttlDays: n('cache_ttl_days') },
    explorer: { allowWrites: b('explorer_allow_writes'), historyDays: n('explorer_history_days') },
  };
}

/** Keeps only known ids whose values are valid; used when reading what is stored. */
function sanitize(stored: unknown): SettingsMap {
  if (typeof stored !== 'object' || stored === null) return {};
  const out: SettingsMap = {};
  for (const [id, value] of Object.entries(stored)) {
    const def = BY_ID.get(id);
    if (def === undefined) continue;
    const r = coerceSetting(def, value);
    if (r.ok) out[id] = r.value;
  }
  return out;
}

export const SettingsUpdate = z.array(
  z.object({ id: z.string().min(1), name: z.string().optional(), value: z.unknown() }),
);

export type SettingProblem = { id: string; message: string };

export function coerceSetting(
  def: SettingDefinition,
  value: unknown,
): { ok: true; value: SettingValue } | { ok: false; message: string } {
  switch (def.type) {
    case 'CHECKBOX': {
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
      return { ok: false, message: 'must be true or false' };
    }
    case 'NUMBER': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : NaN;
      if (!Number.isFinite(n)) return { ok: false, message: 'must be a number' };
      if (def.integer && !Number.isInteger(n)) return { ok: false, message: 'must be a whole number' };
      if (n < def.min || n > def.max)
        return { ok: false, message: `must be between ${def.min} and ${def.max}` };
      return { ok: true, value: n };
    }
    case 'TXT':
      return typeof value === 'string' ? def.normalize(value) : { ok: false, message: 'must be text' };
  }
}

/**
 * Validates a SETTINGS_UPDATED list against the definitions. All or nothing: one bad value rejects the
 * whole update, so stored settings never end up half-changed. Unknown ids are reported back, not stored.
 */
export function applySettingsUpdate(
  current: unknown,
  update: z.infer<typeof SettingsUpdate>,
): { ok: true; settings: SettingsMap; ignored: string[] } | { ok: false; problems: SettingProblem[] } {
  const next = { ...defaultSettings(), ...sanitize(current) };
  const problems: SettingProblem[] = [];
  const ignored: string[] = [];
  for (const item of update) {
    const def = BY_ID.get(item.id);
    if (def === undefined) {
      ignored.push(item.id);
      continue;
    }
    const r = coerceSetting(def, item.value);
    if (r.ok) next[item.id] = r.value;
    else problems.push({ id: item.id, message: `${def.name} ${r.message}` });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings: next, ignored };
}
