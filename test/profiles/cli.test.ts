import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runProfilesCommand, runValidateCommand } from '../../src/cli/profiles-commands.js';
import { packageRoot } from '../../src/paths.js';

function io(env: Record<string, string> = {}, cwd = packageRoot()) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    out: (l) => out.push(l),
    write: (t) => out.push(t),
    err: (l) => err.push(l),
    onShutdown: () => {},
    onToggle: () => {},
    env,
    cwd,
  };
  return { io: value, out, err };
}

const broken = mkdtempSync(join(tmpdir(), 'gatewalk-cli-'));
writeFileSync(
  join(broken, 'bad.yaml'),
  'version: 1\nprofiles:\n  box:\n    connect: { host: h, usr: ops }\n    hops: [{ name: s, prompt: x }]\n',
);

describe('gatewalk validate', () => {
  it('passes the shipped profiles and examples (default folder: ./profiles)', () => {
    const t = io();
    expect(runValidateCommand([], t.io)).toBe(0);
    expect(t.out).toEqual(['1 file, 5 valid profiles, 0 templates: 0 errors, 0 warnings']);
    const all = io();
    expect(runValidateCommand(['profiles', 'profiles/examples'], all.io)).toBe(0);
    // The examples' secrets are not set here: warnings, not errors (keys in ~/.ssh vary by machine).
    expect(all.out.at(-1)).toMatch(
      /^7 files, 14 valid profiles, 3 templates: 0 errors, \d+ warnings$/,
    );
    expect(all.out.filter((l) => !l.endsWith(': the walk needs it'))).toEqual([all.out.at(-1)]);
    expect(all.out).toContain(
      'profiles/examples/network-cli.yaml:14:17: warning: profile "router": connect.password: environment variable ROUTER_PASSWORD is not set: the walk needs it',
    );
  });

  it('prints file:line:col: message and exits 1 on errors', () => {
    const t = io({}, broken);
    expect(runValidateCommand(['bad.yaml'], t.io)).toBe(1);
    expect(t.out).toEqual([
      'bad.yaml:4:25: profile "box": connect: unknown key "usr" (did you mean "user"?); expected one of: host, port, user, password, private_key, passphrase, agent, host_key, via, keepalive, timeout',
      '1 file, 0 valid profiles, 0 templates: 1 error, 0 warnings',
    ]);
  });

  it('reports JSON for CI', () => {
    const t = io({}, broken);
    expect(runValidateCommand(['--json', 'bad.yaml'], t.io)).toBe(1);
    const report = JSON.parse(t.out.join('')) as {
      ok: boolean;
      errors: { file: string; line: number; col: number }[];
    };
    expect(report).toMatchObject({ ok: false, profiles: [], warnings: [] });
    expect(report.errors).toEqual([
      expect.objectContaining({ file: 'bad.yaml', line: 4, col: 25 }),
    ]);
  });

  it('reads folders from --profiles, else GATEWALK_PROFILES, else ./profiles', () => {
    const flag = io({ GATEWALK_PROFILES: 'profiles' });
    expect(runValidateCommand(['--profiles', broken], flag.io)).toBe(1);
    const env = io({ GATEWALK_PROFILES: `${broken}:profiles` });
    expect(runValidateCommand([], env.io)).toBe(1);
    expect(env.out.at(-1)).toBe('2 files, 5 valid profiles, 0 templates: 1 error, 0 warnings');
  });

  it('says so when a path does not exist', () => {
    const t = io();
    expect(runValidateCommand(['nowhere'], t.io)).toBe(1);
    expect(t.out[0]).toMatch(/nowhere:1:1: no such file or folder$/);
  });
});

describe('gatewalk profiles', () => {
  it('lists openable profiles with params and hops', () => {
    const t = io();
    expect(runProfilesCommand([], t.io)).toBe(0);
    expect(t.out).toContain('orders-pod  The orders API pod (bash), through master-a as root');
    expect(t.out).toContain('  hops:   menu -> master -> pod');
    const json = io();
    runProfilesCommand(['--json'], json.io);
    const { profiles } = JSON.parse(json.out.join('')) as {
      profiles: { name: string; hops: string[] }[];
    };
    expect(profiles.map((p) => p.name)).toEqual([
      'alpine-pod',
      'cmsm',
      'master-a',
      'orders-pod',
      'payments-api-pod',
    ]);
  });

  it('leaves out broken profiles and says why on stderr', () => {
    const t = io({}, broken);
    expect(runProfilesCommand(['--profiles', '.'], t.io)).toBe(1);
    // The message names the folders it looked in.
    expect(t.out).toEqual([`no profiles (looked in ${broken})`]);
    expect(t.err.at(-1)).toBe('some profiles were left out: run gatewalk validate for details');
  });
});
