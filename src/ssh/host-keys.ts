import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { GatewalkError } from '../errors.js';
import type { HostKeyPolicy } from '../profiles/types.js';

/** `SHA256:...` of a public key blob, as `ssh-keygen -l` prints it. */
export function fingerprintOf(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const n = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + n).toString('latin1');
}

interface KnownHost {
  line: number;
  marker: string | null;
  hosts: string;
  keyType: string;
  key: Buffer;
}

function parseKnownHosts(text: string): KnownHost[] {
  const entries: KnownHost[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith('@') ? (fields.shift() ?? null) : null;
    const [hosts, keyType, key] = fields;
    if (!hosts || !keyType || !key) return;
    entries.push({ line: i + 1, marker, hosts, keyType, key: Buffer.from(key, 'base64') });
  });
  return entries;
}

function globToRegex(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Whether a known_hosts host field names `name` (`host` or `[host]:port`), hashed or not. */
function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!');
    if (globToRegex(negated ? pattern.slice(1) : pattern).test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** How known_hosts names a host: lowercased, with the port when it is not 22 (as OpenSSH does). */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/**
 * The host-key algorithms to ask the server for first: those of the keys already recorded for
 * this host, so a host known by its ECDSA key is not asked for its Ed25519 one (which would then
 * look like a changed key).
 */
export function preferredHostKeyAlgorithms(check: HostKeyCheck): string[] {
  if (check.policy.kind === 'fingerprint') return [];
  const file =
    check.policy.kind === 'default'
      ? (check.defaultKnownHosts ?? join(homedir(), '.ssh', 'known_hosts'))
      : check.policy.path;
  if (!existsSync(file)) return [];
  const name = knownHostsName(check.host, check.port);
  const types = parseKnownHosts(readFileSync(file, 'utf8'))
    .filter((e) => e.marker === null && e.hosts.split(/\s/).some((h) => hostFieldMatches(h, name)))
    .map((e) => e.keyType);
  return [
    ...new Set(
      types.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t])),
    ),
  ];
}

export interface HostKeyCheck {
  host: string;
  port: number;
  policy: HostKeyPolicy;
  /** The default known_hosts file (~/.ssh/known_hosts). */
  defaultKnownHosts?: string;
}

/**
 * Decides whether to trust a server's host key, before any credential is sent. Throws a
 * GatewalkError naming the expected and received fingerprints when it must not.
 */
export function checkHostKey(check: HostKeyCheck, blob: Buffer): void {
  const received = fingerprintOf(blob);
  const name = knownHostsName(check.host, check.port);
  const { policy } = check;
  if (policy.kind === 'fingerprint') {
    if (policy.fingerprint.replace(/=+$/, '') === received) return;
    throw new GatewalkError(
      'host_key_mismatch',
      `host key of ${name} does not match the pinned fingerprint: expected ${policy.fingerprint}, received ${received}. ` +
        'No credentials were sent. If the server was re-keyed, update host_key.fingerprint in the profile.',
    );
  }
  const file =
    policy.kind === 'default'
      ? (check.defaultKnownHosts ?? join(homedir(), '.ssh', 'known_hosts'))
      : policy.path;
  const entries = existsSync(file) ? parseKnownHosts(readFileSync(file, 'utf8')) : [];
  const forHost = entries.filter(
    (e) => e.marker === null && e.hosts.split(/\s/).some((h) => hostFieldMatches(h, name)),
  );
  const revoked = entries.some((e) => e.marker === '@revoked' && e.key.equals(blob));
  if (revoked) {
    throw new GatewalkError(
      'host_key_revoked',
      `host key of ${name} (${received}) is marked @revoked in ${file}`,
    );
  }
  if (forHost.some((e) => e.key.equals(blob))) return;
  const sameType = forHost.find((e) => e.keyType === keyTypeOf(blob)) ?? forHost[0];
  if (sameType) {
    throw new GatewalkError(
      'host_key_mismatch',
      `host key of ${name} has changed: expected ${fingerprintOf(sameType.key)} (${file}:${sameType.line}), received ${received}. ` +
        'No credentials were sent. This can be an attack; if the server was re-keyed, remove the old line.',
    );
  }
  if (policy.kind === 'accept_new') {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Never glue the new entry onto a last line that has no newline.
    const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const sep = existing !== '' && !existing.endsWith('\n') ? '\n' : '';
    appendFileSync(file, `${sep}${name} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`, {
      mode: 0o600,
    });
    return;
  }
  throw new GatewalkError(
    'host_key_unknown',
    `host key of ${name} is unknown: ${received} is not in ${file}. No credentials were sent. ` +
      `Check the fingerprint with the server's owner, then add it (ssh-keyscan -p ${check.port} ${check.host} >> ${file}), ` +
      'or pin it in the profile with host_key: { fingerprint: ... }, or use host_key: { accept_new: file }.',
  );
}
