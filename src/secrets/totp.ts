import { createHash, createHmac } from 'node:crypto';
import { GatewalkError } from '../errors.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Decodes an RFC 4648 base32 seed as authenticator apps show it (spaces and padding allowed). */
export function decodeBase32(seed: string): Buffer {
  const clean = seed.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const ch of clean) {
    const index = BASE32.indexOf(ch);
    if (index < 0)
      throw new GatewalkError(
        'totp_seed_invalid',
        `TOTP seed has a non-base32 character: ${JSON.stringify(ch)}`,
      );
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  if (bytes.length === 0) throw new GatewalkError('totp_seed_invalid', 'TOTP seed is empty');
  return Buffer.from(bytes);
}

/** The RFC 6238 code (HMAC-SHA1, 30 s steps, 6 digits) for a time, `stepOffset` steps away. */
export function totp(seed: string, nowMs: number = Date.now(), stepOffset = 0): string {
  const counter = Math.floor(nowMs / 1000 / 30) + stepOffset;
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', decodeBase32(seed)).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

/** True when `code` is the TOTP code of the current step or of a neighbour (clock skew). */
export function verifyTotp(seed: string, code: string, nowMs: number = Date.now()): boolean {
  return [-1, 0, 1].some((offset) => totp(seed, nowMs, offset) === code.trim());
}

// One-time codes are single-use (RFC 6238 §5.2): a verifier refuses a code already accepted in
// its step, so a quick re-login with the same seed must wait for the next step. The record is
// process-wide (every session of this server), keyed by a hash of the seed's bytes so spellings
// of one seed (spaces, case) count as one, and no seed is kept in memory here.

/** The length of one TOTP step. */
export const TOTP_STEP_MS = 30_000;

/** Seed hash -> the last step whose code was submitted. */
const submitted = new Map<string, number>();

function seedKey(seed: string): string {
  return createHash('sha256').update(decodeBase32(seed)).digest('base64url');
}

/** The step (counter) a time falls in. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / TOTP_STEP_MS);
}

/**
 * Records that `typed` (a line gatewalk typed as a secret) was this seed's code, when it is the
 * code of the current step or a neighbour; returns whether it was.
 */
export function noteTotpSubmitted(
  seed: string,
  typed: string,
  nowMs: number = Date.now(),
): boolean {
  const code = typed.replace(/[\r\n]+$/, '').trim();
  if (!/^\d{6}$/.test(code)) return false;
  for (const offset of [0, -1, 1]) {
    if (totp(seed, nowMs, offset) !== code) continue;
    const key = seedKey(seed);
    const step = totpStep(nowMs) + offset;
    submitted.set(key, Math.max(step, submitted.get(key) ?? -Infinity));
    return true;
  }
  return false;
}

/** Records that the code of the step `nowMs` falls in was submitted (a claim before typing). */
export function markTotpUsed(seed: string, nowMs: number = Date.now()): void {
  const key = seedKey(seed);
  submitted.set(key, Math.max(totpStep(nowMs), submitted.get(key) ?? -Infinity));
}

/**
 * When a code of this seed not submitted yet is current: `nowMs` itself, or the start of the
 * step after the last one submitted.
 */
export function totpFreeAt(seed: string, nowMs: number = Date.now()): number {
  const last = submitted.get(seedKey(seed));
  if (last === undefined || last < totpStep(nowMs)) return nowMs;
  return (last + 1) * TOTP_STEP_MS;
}

/** Forgets what was submitted (tests). */
export function resetTotpUse(): void {
  submitted.clear();
}
