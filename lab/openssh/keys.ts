// Keys and codes of the real-OpenSSH conformance lab: ssh-keygen, key fingerprints, and the
// TOTP codes koko-mfa checks (lab/openssh/totp.mjs computes the same ones for koko.sh).
import { execFile } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The RFC 6238 TOTP code (HMAC-SHA-1, 6 digits, 30 s) of a base32 seed at `at` (ms). */
export function totp(seed: string, at = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of seed.toUpperCase().replace(/[\s=]/g, '')) {
    const index = alphabet.indexOf(ch);
    if (index < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', Buffer.from(bytes)).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

export function base32(bytes: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += alphabet[(value >>> bits) & 31];
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** `SHA256:...` of an SSH public key blob (what ssh-keygen -lf and ssh2's hostVerifier see). */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

export async function keygen(file: string, comment: string): Promise<void> {
  await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}
