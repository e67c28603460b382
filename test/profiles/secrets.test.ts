import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeSecret, resolveSecret } from '../../src/profiles/secrets.js';
import { totp } from '../../src/secrets/totp.js';

const dir = mkdtempSync(join(tmpdir(), 'gatewalk-secrets-'));
const SEED = 'JBSWY3DPEHPK3PXP';

describe('secret references', () => {
  it('reads environment variables, and says which one is missing', async () => {
    expect(await resolveSecret({ env: 'PW' }, { env: { PW: 's3cr3t' } })).toBe('s3cr3t');
    await expect(resolveSecret({ env: 'PW' }, { env: {} })).rejects.toThrow(
      'secret from environment variable PW: it is not set',
    );
  });

  it('reads files without their trailing newline, keeping inner lines', async () => {
    writeFileSync(join(dir, 'pw'), 's3cr3t\n');
    writeFileSync(join(dir, 'key'), 'line one\nline two\n');
    expect(await resolveSecret({ file: join(dir, 'pw') })).toBe('s3cr3t');
    expect(await resolveSecret({ file: join(dir, 'key') })).toBe('line one\nline two');
    await expect(resolveSecret({ file: join(dir, 'nope') })).rejects.toThrow(
      `secret from file ${join(dir, 'nope')}: cannot read it (ENOENT)`,
    );
  });

  it("takes the first line of a command's output", async () => {
    expect(await resolveSecret({ command: 'printf "s3cr3t\\nmore\\n"' })).toBe('s3cr3t');
    expect(
      await resolveSecret({ command: 'echo "$VAULT_TOKEN"' }, { env: { VAULT_TOKEN: 'tok' } }),
    ).toBe('tok');
  });

  it('reports a failing or silent command without what it printed', async () => {
    const failing = resolveSecret({ command: 'echo s3cr3t; echo s3cr3t >&2; exit 3' });
    await expect(failing).rejects.toThrow(
      'secret from command `echo s3cr3t; echo s3cr3t >&2; exit 3` failed (exit 3)',
    );
    await failing.catch((err: Error) =>
      expect(err.message.replace(/`.*`/, '')).not.toContain('s3cr3t'),
    );
    await expect(resolveSecret({ command: 'true' })).rejects.toThrow('it printed nothing');
    await expect(resolveSecret({ command: 'sleep 5' }, { commandTimeoutMs: 100 })).rejects.toThrow(
      'timed out after 100 ms',
    );
  });

  it('computes TOTP codes from a seed reference', async () => {
    const now = () => 1_700_000_000_000;
    expect(await resolveSecret({ totp: { env: 'SEED' } }, { env: { SEED }, now })).toBe(
      totp(SEED, now()),
    );
    await expect(
      resolveSecret({ totp: { env: 'SEED' } }, { env: { SEED: 'not base32!' } }),
    ).rejects.toThrow('TOTP seed from environment variable SEED is not valid base32');
  });

  it('describes references without their values', () => {
    expect(describeSecret({ totp: { file: '/run/seed' } })).toBe('TOTP from file /run/seed');
  });
});
