import { describe, expect, it } from 'vitest';
import { decodeBase32, totp, verifyTotp } from '../src/secrets/totp.js';

// RFC 6238 appendix B, SHA-1: the seed is ASCII "12345678901234567890"; the RFC lists 8-digit
// codes, whose last 6 digits are the 6-digit codes.
const RFC_SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP', () => {
  it('decodes base32 seeds as authenticator apps show them', () => {
    expect(decodeBase32(RFC_SEED).toString('ascii')).toBe('12345678901234567890');
    expect(decodeBase32('gezd gnbv gy3t qojq gezd gnbv gy3t qojq')).toEqual(decodeBase32(RFC_SEED));
    expect(() => decodeBase32('GEZD1')).toThrow('TOTP seed has a non-base32 character: "1"');
  });

  it.each([
    [59, '287082'],
    [1111111109, '081804'],
    [1234567890, '005924'],
    [2000000000, '279037'],
  ])('matches the RFC 6238 vector at T=%i', (seconds, code) => {
    expect(totp(RFC_SEED, seconds * 1000)).toBe(code);
  });

  it('accepts the neighbouring steps for clock skew, and nothing further', () => {
    const now = 1234567890_000;
    expect(verifyTotp(RFC_SEED, totp(RFC_SEED, now - 30_000), now)).toBe(true);
    expect(verifyTotp(RFC_SEED, totp(RFC_SEED, now + 30_000), now)).toBe(true);
    expect(verifyTotp(RFC_SEED, totp(RFC_SEED, now - 90_000), now)).toBe(false);
  });
});
