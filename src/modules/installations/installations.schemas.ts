import { z } from 'zod';

const Id = z.string().trim().min(1).max(100);
const Jwt = z.string().min(10).max(8_192);

export const InstalledPayload = z.object({
  addonId: Id,
  authToken: Jwt,
  workspaceId: Id,
  asUser: Id.optional(),
  apiUrl: z.url({ protocol: /^https?$/ }),
  addonUserId: Id.optional(),
  webhooks: z
    .array(
      z.object({
        path: z.string().min(1).max(2_048),
        webhookType: z.string().max(50).optional(),
        authToken: Jwt,
      }),
    )
    .max(500)
    .default([]),
});
export type InstalledPayload = z.infer<typeof InstalledPayload>;

export const StatusChangedPayload = z.object({
  addonId: Id,
  workspaceId: Id,
  status: z.enum(['ACTIVE', 'INACTIVE']),
});
export type StatusChangedPayload = z.infer<typeof StatusChangedPayload>;

export const SettingsUpdatedPayload = z.object({
  addonId: Id,
  workspaceId: Id,
  settings: z
    .array(
      z.object({ id: z.string().min(1).max(100), name: z.string().max(200).optional(), value: z.unknown() }),
    )
    .max(200),
});
export type SettingsUpdatedPayload = z.infer<typeof SettingsUpdatedPayload>;

export const DeletedPayload = z.object({
  addonId: Id,
  workspaceId: Id,
  asUser: Id.optional(),
});
export type DeletedPayload = z.infer<typeof DeletedPayload>;

export const InstallationView = z
  .object({
    workspaceId: z.string(),
    addonId: z.string(),
    status: z.enum(['ACTIVE', 'INACTIVE', 'DELETED']),
    apiUrl: z.string(),
    apiUrls: z.record(z.string(), z.string()),
    installedByUserId: z.string().nullable(),
    addonUserId: z.string().nullable(),
    settings: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])),
    installedAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    webhookCount: z.number().int(),
  })
  .meta({ id: 'Installation' });
export type InstallationView = z.infer<typeof InstallationView>;
