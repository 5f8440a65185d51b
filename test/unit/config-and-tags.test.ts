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
    // Number('abc') * 1000 is NaN, and a NaN interval fires at once, for ever: refused instead.
    expect(() => loadConfig({ CONSENT_SWEEP_SECONDS: 'abc' })).toThrow(/CONSENT_SWEEP_SECONDS/);
    expect(() => loadConfig({ CONSENT_SWEEP_SECONDS: '0' })).toThrow(/CONSENT_SWEEP_SECONDS/);
    expect(() => loadConfig({ CAPTURE_BASE_URL: 'ftp://example.org' })).toThrow(/CAPTURE_BASE_URL/);
  });

  it('reads the consent sweep and the capture origin, an empty variable counting as unset', () => {
    expect(loadConfig({}).consentSweepSeconds).toBe(60);
    expect(loadConfig({ CONSENT_SWEEP_SECONDS: '', CAPTURE_BASE_URL: '' })).toMatchObject({ consentSweepSeconds: 60, captureBaseUrl: undefined });
    expect(loadConfig({ CONSENT_SWEEP_SECONDS: '5', CAPTURE_BASE_URL: 'https://consent.example.org' })).toMatchObject({ consentSweepSeconds: 5, captureBaseUrl: 'https://consent.example.org' });
  });
});

describe('object tags', () => {
  it('drops empty values and refuses characters S3 rejects', () => {
    const set = toTagSet({ tenant: 't1', kind: 'portrait_image', state: 'quarantined', retention: 'seven_days', category: 'biometric', consent: undefined });
    expect(set.map((t) => t.Key)).toEqual(['tenant', 'kind', 'state', 'retention', 'category']);
    expect(() => toTagSet({ tenant: 't1', kind: 'portrait_image', state: 'x', retention: 'seven_days', category: 'biometric', subject: 'a&b' })).toThrow();
  });
});
