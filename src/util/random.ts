import { randomFillSync } from 'node:crypto';

// Random hex for per-command nonces and ids: one call into the system's generator fills a pool
// for many commands (each call costs about as much as a fast command's own work).
const pool = Buffer.alloc(4096);
let used = pool.length;

/** `bytes` random bytes as hex, from a pool refilled from the CSPRNG. */
export function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  // Each byte is handed out once.
  used += bytes;
  return hex;
}
