import { readFileSync } from 'node:fs';
import AjvModule from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/openapi-document.js';
import { buildManifest } from '../../src/modules/manifest/build-manifest.js';
import { manifestFiles } from '../../src/modules/manifest/manifest-files.js';
import { ERROR_CODES } from '../../src/platform/errors.js';
import { testConfig } from '../helpers/build-test-app.js';

// ajv-draft-04 is CommonJS; its class is also exported as `default`.
const Ajv = AjvModule.default;
const schema = JSON.parse(readFileSync('test/fixtures/clockify/manifest-schema-1.6.json', 'utf8'));

function validateManifest(manifest: unknown) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  return { ok: validate(manifest), errors: validate.errors };
}

describe('add-on manifest', () => {
  it('is valid against Clockify’s official schema 1.6', () => {
    const config = testConfig();
    const manifest = buildManifest({
      key: config.addon.key,
      name: config.addon.name,
      baseUrl: config.publicBaseUrl,
      minimalPlan: 'FREE',
    });
    expect(validateManifest(manifest)).toEqual({ ok: true, errors: null });
  });

  it('fails that schema when a required field is broken (the check can fail)', () => {
    const manifest = buildManifest({ key: 'x', name: 'n', baseUrl: 'ftp://nope', minimalPlan: 'FREE' });
    expect(validateManifest(manifest).ok).toBe(false);
  });

  it('is committed as generated (npm run gen:manifests)', () => {
    for (const f of manifestFiles()) {
      expect(readFileSync(f.path, 'utf8'), f.path).toBe(f.content);
      expect(validateManifest(JSON.parse(f.content)).ok).toBe(true);
    }
  });
});

describe('our OpenAPI document', () => {
  it('is committed as generated (npm run gen:openapi)', async () => {
    expect(readFileSync('openapi/openapi.json', 'utf8')).toBe(await openApiDocument());
  });
});

describe('error catalogue', () => {
  it('documents every error code in docs/errors.md', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    const missing = ERROR_CODES.filter((code) => !doc.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });
});
