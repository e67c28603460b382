import { createHmac } from 'node:crypto';
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
