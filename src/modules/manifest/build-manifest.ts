import { SETTINGS_TABS, type SettingDefinition } from '../installations/settings.js';

export const MANIFEST_SCHEMA_VERSION = '1.6';

/**
 * Every scope Clockify defines. The API explorer and flow actions may call any Clockify operation,
 * and the bootstrap reads every entity type, so the gateway asks for all of them (docs/adr/0005).
 * X_WRITE does not imply X_READ, hence both.
 */
export const SCOPES = [
  'CLIENT_READ',
  'CLIENT_WRITE',
  'PROJECT_READ',
  'PROJECT_WRITE',
  'TAG_READ',
  'TAG_WRITE',
  'TASK_READ',
  'TASK_WRITE',
  'TIME_ENTRY_READ',
  'TIME_ENTRY_WRITE',
  'EXPENSE_READ',
  'EXPENSE_WRITE',
  'INVOICE_READ',
  'INVOICE_WRITE',
  'USER_READ',
  'USER_WRITE',
  'GROUP_READ',
  'GROUP_WRITE',
  'WORKSPACE_READ',
  'WORKSPACE_WRITE',
  'CUSTOM_FIELDS_READ',
  'CUSTOM_FIELDS_WRITE',
  'APPROVAL_READ',
  'APPROVAL_WRITE',
  'SCHEDULING_READ',
  'SCHEDULING_WRITE',
  'REPORTS_READ',
  'REPORTS_WRITE',
  'TIME_OFF_READ',
  'TIME_OFF_WRITE',
] as const;

export const LIFECYCLE_PATHS = {
  INSTALLED: '/lifecycle/installed',
  DELETED: '/lifecycle/deleted',
  SETTINGS_UPDATED: '/lifecycle/settings-updated',
  STATUS_CHANGED: '/lifecycle/status-changed',
} as const;

export const SIDEBAR_PATH = '/app';
export const ICON_PATH = '/assets/icon.svg';

export type ManifestWebhook = { event: string; path: string };

export type ManifestInput = {
  key: string;
  name: string;
  baseUrl: string;
  minimalPlan: string;
  /** Filled by the ingestion feature: the events declared in the manifest, one path each. */
  webhooks?: ManifestWebhook[];
};

/** The add-on manifest Clockify reads (PLATFORM.md §1). Pure: same input, same manifest. */
export function buildManifest(input: ManifestInput): Record<string, unknown> {
  return {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    key: input.key,
    name: input.name,
    description:
      'Universal webhook gateway: receives every Clockify event and webhooks from any system, runs no-code flows, and delivers signed outbound webhooks.',
    baseUrl: input.baseUrl,
    iconPath: ICON_PATH,
    minimalSubscriptionPlan: input.minimalPlan,
    scopes: [...SCOPES],
    lifecycle: Object.entries(LIFECYCLE_PATHS).map(([type, path]) => ({ type, path })),
    ...(input.webhooks && input.webhooks.length > 0 ? { webhooks: input.webhooks } : {}),
    components: [
      { type: 'sidebar', accessLevel: 'ADMINS', path: SIDEBAR_PATH, label: 'Webhooks', iconPath: ICON_PATH },
    ],
    settings: {
      tabs: SETTINGS_TABS.map((tab) => ({
        id: tab.id,
        name: tab.name,
        groups: tab.groups.map((g) => ({
          id: g.id,
          title: g.title,
          description: g.description,
          header: { title: g.title },
          settings: g.settings.map(toManifestSetting),
        })),
      })),
    },
  };
}

function toManifestSetting(s: SettingDefinition): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    type: s.type,
    value: s.value,
    accessLevel: 'ADMINS',
    required: true,
  };
}
