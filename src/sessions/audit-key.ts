// The per-installation key that chains transcript lines (sessions/chain.ts): 32 random bytes,
// hex, in `<runtime root>/audit-key`, made 0600 on first use and reused after. Whoever can read
// it can rewrite a transcript and its hashes unnoticed, so a key others may read is refused, as
// the HTTP token is (mcp/token.ts).
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { GatewalkError } from '../errors.js';

export const AUDIT_KEY_FILE = 'audit-key';

export interface AuditKey {
  /** The HMAC key. */
  bytes: Buffer;
  /** Names the key without giving it away (a hash of it): transcripts record it on line 1. */
  id: string;
  file: string;
}

const KEY_SHAPE = /^[0-9a-f]{64}$/;

function keyOf(hex: string, file: string): AuditKey {
  const bytes = Buffer.from(hex, 'hex');
  const id = createHash('sha256')
    .update('gatewalk audit key id\n')
    .update(bytes)
    .digest('hex')
    .slice(0, 16);
  return { bytes, id, file };
}

/** The key in `${root}/audit-key`, made (0600) when there is none yet. */
export function installationKey(root: string): AuditKey {
  const file = join(root, AUDIT_KEY_FILE);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const existing = readKey(file);
  if (existing !== undefined) return existing;
  // Written whole under another name, then linked into place: two servers starting at once
  // end up with the same key (link fails for the second, which then reads the first's).
  const hex = randomBytes(32).toString('hex');
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `${hex}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, file);
    return keyOf(hex, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const theirs = readKey(file);
    if (theirs === undefined)
      throw new Error(`${file} vanished while it was being made`, { cause: err });
    return theirs;
  } finally {
    rmSync(temp, { force: true });
  }
}

/** The key in `file`, which must exist (`transcript verify --key FILE`). */
export function auditKeyFrom(file: string): AuditKey {
  const key = readKey(file);
  if (key === undefined)
    throw new GatewalkError(
      'audit_key_missing',
      `no audit key at ${file}: pass the key the transcript was written with (--key FILE; it is ${AUDIT_KEY_FILE} in the runtime root of the server that wrote it)`,
    );
  return key;
}

/** The key in `file`; undefined when there is no file. */
function readKey(file: string): AuditKey | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP')
      throw new GatewalkError(
        'audit_key_unsafe',
        `${file} is a symbolic link: replace it with the key file itself (mode 0600)`,
      );
    throw new GatewalkError('audit_key_unreadable', `cannot read ${file}: ${code ?? String(err)}`, {
      cause: err,
    });
  }
  try {
    const stat = fstatSync(fd);
    const mine = typeof process.getuid !== 'function' || stat.uid === process.getuid();
    if (!stat.isFile() || !mine || (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new GatewalkError(
        'audit_key_unsafe',
        `${file} may be read by others (mode ${mode}${mine ? '' : ', owned by another user'}): ` +
          'whoever reads it can rewrite transcripts unnoticed. If nobody else could have read it, ' +
          `chmod 600 ${file}; otherwise move it away (a new key is made at the next start; ` +
          'transcripts written with the old one verify only with --key OLDFILE)',
      );
    }
    const hex = readFileSync(fd, 'utf8').trim();
    if (!KEY_SHAPE.test(hex))
      throw new GatewalkError(
        'audit_key_invalid',
        `${file} does not hold an audit key (64 hex digits): move it away (a new key is made at the next start)`,
      );
    return keyOf(hex, file);
  } finally {
    closeSync(fd);
  }
}
