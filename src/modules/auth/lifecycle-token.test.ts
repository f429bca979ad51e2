import { describe, expect, it } from 'vitest';
import type { ClockifyClaims } from './clockify-token.js';
import { installationTokenRefusal, lifecycleTokenRefusal } from './lifecycle-token.js';

const claims = (extra: Partial<ClockifyClaims> = {}): ClockifyClaims => ({
  iss: 'clockify',
  sub: 'gateway',
  type: 'addon',
  workspaceId: 'ws1',
  addonId: 'addon1',
  ...extra,
});

describe('lifecycleTokenRefusal', () => {
  it.each(['USER', 'TEAM_MANAGER', 'PROJECT_MANAGER', '', 'owner'])(
    'refuses a token naming the role %j',
    (workspaceRole) => {
      expect(lifecycleTokenRefusal(claims({ workspaceRole }))).not.toBeNull();
    },
  );

  it.each([undefined, 'OWNER', 'ADMIN', 'WORKSPACE_ADMIN'])(
    'accepts a token naming no role or an owner’s or admin’s (%s), whatever else it carries',
    (workspaceRole) => {
      const extra = { user: 'u1', exp: 2_000_000_000, language: 'EN', backendUrl: 'https://x' };
      expect(
        lifecycleTokenRefusal(claims({ ...extra, ...(workspaceRole ? { workspaceRole } : {}) })),
      ).toBeNull();
    },
  );
});

describe('installationTokenRefusal', () => {
  const body = { workspaceId: 'ws1', addonId: 'addon1' };
  it('accepts an installation token for this workspace and add-on', () => {
    expect(installationTokenRefusal({ ok: true, claims: claims({ user: 'owner' }) }, body)).toBeNull();
    expect(installationTokenRefusal({ ok: true, claims: claims({ addonId: undefined }) }, body)).toBeNull();
  });
  it('refuses a token that failed verification, with its reason', () => {
    expect(installationTokenRefusal({ ok: false, reason: 'bad-signature' }, body)).toBe('bad-signature');
  });
  it('refuses another workspace’s or add-on’s token, and a user token', () => {
    expect(
      installationTokenRefusal({ ok: true, claims: claims({ workspaceId: 'ws2' }) }, body),
    ).not.toBeNull();
    expect(
      installationTokenRefusal({ ok: true, claims: claims({ addonId: 'addon2' }) }, body),
    ).not.toBeNull();
    expect(
      installationTokenRefusal({ ok: true, claims: claims({ workspaceRole: 'OWNER' }) }, body),
    ).not.toBeNull();
  });
});
