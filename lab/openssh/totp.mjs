// The RFC 6238 TOTP codes (HMAC-SHA-1, 6 digits, 30 s steps) of a base32 seed, for the current
// time step and the previous one: `node totp.mjs SEED` prints "123456 654321". koko.sh checks
// koko-mfa's codes with it (keys.ts has the same function for the tests).
import { createHmac } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function decodeBase32(text) {
  const bytes = [];
  let bits = 0;
  let value = 0;
  for (const ch of text.toUpperCase().replace(/[\s=]/g, '')) {
    const index = ALPHABET.indexOf(ch);
    if (index < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function hotp(key, counter) {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

const seed = process.argv[2];
if (!seed) {
  process.stderr.write('usage: node totp.mjs BASE32_SEED\n');
  process.exit(2);
}
const key = decodeBase32(seed);
const step = Math.floor(Date.now() / 1000 / 30);
process.stdout.write(`${hotp(key, step)} ${hotp(key, step - 1)}\n`);
