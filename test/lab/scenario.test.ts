import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../lab/scenario.js';
import { connect, labOnFreePort } from '../helpers/lab.js';

const dir = mkdtempSync(join(tmpdir(), 'gatewalk-scenario-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('lab scenarios', () => {
  it('loads the default CMSM scenario with its targets, users and pods', () => {
    const s = loadScenario();
    expect(s.targets.map((t) => `${t.name}@${t.ip}`)).toEqual([
      'master-a@10.66.12.21',
      'master-b@10.66.12.22',
    ]);
    expect(s.targets[0]?.users).toEqual(['ruby', 'root', 'app', 'readonly']);
    expect(s.namespaces.map((n) => n.name)).toEqual([
      'default',
      'orders',
      'payments',
      'kube-system',
    ]);
    const pods = s.namespaces.flatMap((n) => n.pods);
    expect(pods.find((p) => p.name === 'alpine-tools-0')).toMatchObject({
      shell: 'ash',
      prompt: '/ # ',
    });
    expect(pods.find((p) => p.name === 'payments-worker-59cd87bf5f-vm2qs')).toMatchObject({
      status: 'CrashLoopBackOff',
      container: 'payments-worker',
    });
    const orders = pods.find((p) => p.name === 'orders-api-7d9d65f8b4-2plxq');
    expect(orders?.files['etc/app/application.yaml']).toContain('namespace: orders');
    expect(Object.keys(orders?.files ?? {}).sort()).toEqual([
      'etc/app/application.yaml',
      'var/log/app/app.log',
      'var/log/app/error.log',
    ]);
  });

  it('points at file:line:col for a value the schema rejects', () => {
    const path = file(
      'bad.yaml',
      'version: 1\nusers: [root]\ntargets:\n  - ip: 10.1.1.1\n    name: a\n  - ip: 10.1.1.2\n    nmae: b\n',
    );
    expect(() => loadScenario(path)).toThrow(
      `${path}:6:5: /targets/1 must have required property 'name'`,
    );
    expect(() => loadScenario(path)).toThrow(
      `${path}:6:5: /targets/1 must NOT have additional properties (nmae)`,
    );
  });

  it('points at file:line:col for a YAML syntax error', () => {
    const path = file('syntax.yaml', 'version: 1\ntargets:\n  - ip: [10.1.1.1\nusers: [root]\n');
    expect(() => loadScenario(path)).toThrow(new RegExp(`^${path}:\\d+:\\d+: `));
  });

  it('says which file is missing', () => {
    expect(() => loadScenario(join(dir, 'nope.yaml'))).toThrow(
      `${join(dir, 'nope.yaml')}: no such file`,
    );
  });

  it('reports a session that cannot start its shell, and keeps serving others', async () => {
    // Two pod files where one needs the other to be a directory: the session cannot lay out
    // its pods. That session fails with a message; the lab stays up.
    const s = loadScenario();
    const broken = {
      ...s,
      namespaces: [
        {
          name: 'x',
          age: '1d',
          pods: [{ ...s.namespaces[0]!.pods[0]!, files: { a: '1', 'a/b': '2' } }],
        },
      ],
    };
    const lab = await labOnFreePort({ scenario: broken });
    try {
      const c = await connect(lab);
      await c.expect('Target IP: ');
      c.sendLine('master-a');
      await c.answer('2', 'lab: this session failed: ');
      expect(await c.exit).toEqual({ code: 1 });
      const again = await connect(lab);
      await again.expect('Target IP: ');
      again.close();
    } finally {
      await lab.close();
    }
  });

  it("drives the menu from an ops team's own scenario", async () => {
    const path = file(
      'own.yaml',
      [
        'version: 1',
        'banner: { title: ACME Gate, lines: [Authorised use only.] }',
        "prompts: { target: 'Host> ', user: 'Account> ' }",
        'targets:',
        '  - { ip: 192.0.2.10, name: db-1, cluster: data, status: online, users: [dba, postgres] }',
        '  - { ip: 192.0.2.11, name: db-2, cluster: data, status: maintenance }',
        'users: [ops]',
        "master: { prompt: '{user}@{host}:\\w{sigil} ' }",
      ].join('\n'),
    );
    const lab = await labOnFreePort({ scenario: path });
    try {
      const c = await connect(lab);
      await c.expect('Host> ');
      expect(c.text).toContain(' ACME Gate\n');
      expect(c.text).toContain('Authorised use only.\n');
      await c.answer('db-2', 'Host> ');
      expect(c.text).toContain('db-2 is maintenance; choose another target.');
      await c.answer('192.0.2.10', 'Account> ');
      expect(c.text).toContain('1) dba\n2) postgres\n');
      await c.answer('3', 'Invalid user. Choose 1 or 2.');
      await c.answer('postgres', /postgres@db-1:~\$ $/);
      c.close();
    } finally {
      await lab.close();
    }
  });
});
