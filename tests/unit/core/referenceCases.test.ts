import { afterEach, describe, expect, it, vi } from 'vitest';
import { referenceCase } from './referenceCases';

describe('referenceCase', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('fails in CI with a message naming the missing folder, and returns null elsewhere', () => {
    vi.stubEnv('CI', 'true');
    expect(() => referenceCase('no_such_case')).toThrow(/shared\/cases\/no_such_case is missing: CI needs/);
    vi.stubEnv('CI', '');
    expect(referenceCase('no_such_case')).toBeNull();
  });
});
