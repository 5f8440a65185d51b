import { describe, expect, it } from 'vitest';
import { toTagSet } from '../../storage/tags';
import { loadConfig } from '../../src/core/config';

describe('configuration', () => {
  it('has embedded defaults and per-kind limits', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeUndefined();
    expect(c.s3.endpoint).toBeUndefined();
    expect(c.limits.bytes.portrait_image).toBe(20 * 1024 * 1024);
    expect(loadConfig({ LIMIT_DRIVING_TEXT_BYTES: '42' }).limits.bytes.driving_text).toBe(42);
  });

  it('refuses invalid values with the variable named', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ LIKENESS_BOOTSTRAP_KEY: 'short' })).toThrow(/LIKENESS_BOOTSTRAP_KEY/);
  });
});

describe('object tags', () => {
  it('drops empty values and refuses characters S3 rejects', () => {
    const set = toTagSet({ tenant: 't1', kind: 'portrait_image', state: 'quarantined', retention: 'seven_days', category: 'biometric', consent: undefined });
    expect(set.map((t) => t.Key)).toEqual(['tenant', 'kind', 'state', 'retention', 'category']);
    expect(() => toTagSet({ tenant: 't1', kind: 'portrait_image', state: 'x', retention: 'seven_days', category: 'biometric', subject: 'a&b' })).toThrow();
  });
});
