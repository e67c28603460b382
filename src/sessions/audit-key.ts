// The per-installation key that chains transcript lines (sessions/chain.ts): 32 random bytes,
// hex, in `<runtime root>/audit-key`, made 0600 on first use and reused after. Whoever can read
// it can rewrite a transcript and its hashes unnoticed, so a key others may read is refused, as
// the HTTP token is (mcp/token.ts).
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GatewalkError } from '../errors.js';
import { privateFile, readPrivateFile, type PrivateFile } from '../util/private-file.js';

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
  return keyOf(
    privateFile(keySpec(file), () => randomBytes(32).toString('hex')),
    file,
  );
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
  const hex = readPrivateFile(keySpec(file));
  return hex === undefined ? undefined : keyOf(hex, file);
}

function keySpec(file: string): PrivateFile {
  return {
    file,
    shape: KEY_SHAPE,
    holds: 'an audit key (64 hex digits)',
    unsafe: 'audit_key_unsafe',
    invalid: 'audit_key_invalid',
    fix: {
      link: 'replace it with the key file itself (mode 0600)',
      mode:
        'whoever reads it can rewrite transcripts unnoticed. If nobody else could have read it, ' +
        `chmod 600 ${file}; otherwise move it away (a new key is made at the next start; ` +
        'transcripts written with the old one verify only with --key OLDFILE)',
      content: 'move it away (a new key is made at the next start)',
    },
  };
}
