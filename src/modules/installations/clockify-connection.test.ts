import { describe, expect, it } from 'vitest';
import { clockifyBaseUrls } from './clockify-connection.js';

describe('clockifyBaseUrls', () => {
  it("prefers the installation token's signed backendUrl claim over INSTALLED's unsigned apiUrl field", () => {
    expect(
      clockifyBaseUrls({
        apiUrl: 'https://api.clockify.me/api',
        apiUrls: {
          backendUrl: 'https://euc1.clockify.me/api',
          reportsUrl: 'https://euc1.clockify.me/report',
        },
      }),
    ).toEqual({ apiUrl: 'https://euc1.clockify.me/api', reportsUrl: 'https://euc1.clockify.me/report' });
  });

  it('falls back to apiUrl when the token has no backendUrl, and leaves reports to be derived', () => {
    expect(clockifyBaseUrls({ apiUrl: 'https://developer.clockify.me/api', apiUrls: {} })).toEqual({
      apiUrl: 'https://developer.clockify.me/api',
    });
  });
});
