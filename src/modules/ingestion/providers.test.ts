import { describe, expect, it } from 'vitest';
import { DedupRule, defaultDedupRule } from './dedup-key.js';
import { PROVIDERS } from './providers.js';
import { SCHEMES, SourceVerification, timestampWindow } from './source-config.js';

const at = (obj: unknown, dotted: string): unknown =>
  dotted
    .split('.')
    .reduce<unknown>(
      (o, k) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined),
      obj,
    );

describe('PROVIDERS', () => {
  it('has exactly one preset per scheme', () => {
    expect(PROVIDERS.map((p) => p.id).sort()).toEqual([...SCHEMES].sort());
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(PROVIDERS))).toEqual(PROVIDERS);
  });

  it.each(PROVIDERS.map((p) => [p.id, p] as const))(
    '%s agrees with the schema and the dedup defaults',
    (id, preset) => {
      expect(preset.defaultDedup).toEqual(defaultDedupRule(id));
      expect(DedupRule.safeParse(preset.defaultDedup).success).toBe(true);

      // Build a config from the required parameters and check the documented defaults are the schema's.
      const input: Record<string, unknown> = { scheme: id };
      for (const p of preset.params.filter((q) => q.required && q.when === undefined)) {
        input[p.name] = p.type === 'header-name' ? 'X-Example' : 'example';
      }
      const config = SourceVerification.parse(input) as Record<string, unknown>;
      for (const p of preset.params.filter((q) => q.when === undefined && 'default' in q)) {
        expect(at(config, p.name), p.name).toEqual(p.default);
      }
      const window = timestampWindow(config as SourceVerification);
      expect(preset.timestampWindow === 'always').toBe(window !== null);
    },
  );

  it('documents the generic template’s timestamp options with working defaults', () => {
    const hmac = PROVIDERS.find((p) => p.id === 'hmac')!;
    const param = (name: string) => hmac.params.find((p) => p.name === name);
    const config = SourceVerification.parse({
      scheme: 'hmac',
      header: 'X',
      signed: { kind: 'timestamp.body', timestampHeader: 'X-Ts' },
    });
    expect(config.scheme === 'hmac' && config.signed).toMatchObject({
      template: param('signed.template')?.default,
      toleranceSeconds: param('signed.toleranceSeconds')?.default,
    });
    expect(hmac.timestampWindow).toBe('configurable');
  });
});
