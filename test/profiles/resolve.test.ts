import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfiles } from '../../src/profiles/registry.js';
import { packagePath } from '../../src/paths.js';
import { loadFromTexts } from '../helpers/profiles.js';

const lab = loadProfiles([packagePath('profiles')]);

describe('profile resolution', () => {
  it('loads the shipped profiles without errors or warnings', () => {
    expect(lab.errors).toEqual([]);
    expect(lab.warnings).toEqual([]);
    expect(lab.registry.names()).toEqual(
      expect.arrayContaining(['alpine-pod', 'cmsm', 'master-a', 'orders-pod', 'payments-api-pod']),
    );
  });

  it('appends own hops to the inherited ones and fills parameters', () => {
    const p = lab.registry.resolve('orders-pod');
    expect(p.ancestors).toEqual(['master-a', 'cmsm']);
    expect(p.hops.map((h) => [h.name, h.declaredBy, h.shell])).toEqual([
      ['menu', 'cmsm', 'none'],
      ['master', 'master-a', 'posix'],
      ['pod', 'orders-pod', 'posix'],
    ]);
    expect(p.values).toEqual({
      lab_port: '2222',
      ip: '10.66.12.21',
      user: 'root',
      namespace: 'orders',
      pod: 'orders-api-7d9d65f8b4-2plxq',
    });
    const pod = p.hops[2]?.steps[0];
    expect(pod).toMatchObject({
      kind: 'send_text',
      text: 'kubectl exec -it orders-api-7d9d65f8b4-2plxq -n orders -- /bin/bash',
      enter: true,
    });
    expect(p.connect).toMatchObject({
      host: '127.0.0.1',
      port: 2222,
      user: 'ops',
      privateKey: { file: packagePath('lab', 'keys', 'ops_ed25519') },
      hostKey: {
        kind: 'fingerprint',
        fingerprint: 'SHA256:EuZpvM/z0cz9l/LblFxJ9mqjNmP3RfXEd8y6F1pNpWc',
      },
      timeoutMs: 5000,
    });
    expect(p.timeoutMs).toBe(5000);
  });

  it('lets a child override inherited parameter defaults', () => {
    const p = lab.registry.resolve('payments-api-pod');
    expect(p.hops.map((h) => h.name)).toEqual(['menu', 'master', 'pod']);
    expect(p.hops[2]?.steps[0]).toMatchObject({
      text: 'kubectl exec -it payments-api-6cc447f559-k8mvp -n payments -- /bin/bash',
    });
  });

  it('takes parameter values from the caller, as text in text and as literals in regexes', () => {
    const p = lab.registry.resolve('master-a', { ip: 'master-b', user: 'app', lab_port: 2300 });
    expect(p.connect.port).toBe(2300);
    const master = p.hops[1];
    expect(master?.steps[0]).toMatchObject({ kind: 'send_text', text: 'master-b' });
    expect(master?.steps[1]).toMatchObject({
      kind: 'wait_for',
      alternatives: [
        { match: 'User number: $' },
        { match: 'No target matches', fail: 'the CMSM menu does not know master-b' },
        { match: 'is \\S+; choose another target', fail: 'master-b is not online' },
      ],
    });
    const { registry } = loadFromTexts({
      'p.yaml': [
        'version: 1',
        'profiles:',
        '  p:',
        '    params: { host: { default: "a+b.example" } }',
        '    connect: { host: "${host}" }',
        '    hops: [{ name: h, steps: [{ send_text: "echo $${host} ${host}" }], prompt: "${host} \\\\$ $" }]',
      ].join('\n'),
    });
    const q = registry.resolve('p');
    expect(q.connect.host).toBe('a+b.example');
    expect(q.hops[0]?.prompt).toBe('a\\+b\\.example \\$ $');
    expect(new RegExp(q.hops[0]?.prompt ?? '').test('a+b.example $ ')).toBe(true);
    expect(q.hops[0]?.steps[0]).toMatchObject({ text: 'echo ${host} a+b.example' });
  });

  it('refuses bad parameter values with a message that says what fits', () => {
    expect(() => lab.registry.resolve('master-a', { user: 'admin' })).toThrow(
      'profile "master-a": param "user": "admin" is not one of: ruby, root, app, readonly, 1, 2, 3, 4',
    );
    expect(() => lab.registry.resolve('master-a', { lab_port: 'x' })).toThrow(
      'param "lab_port": "x" does not match ^\\d+$',
    );
    expect(() => lab.registry.resolve('cmsm', { pod: 'x' })).toThrow(
      'profile "cmsm" has no param "pod" (params: lab_port)',
    );
    const { registry } = loadFromTexts({
      'p.yaml':
        'version: 1\nprofiles:\n  p:\n    params: { target: { description: the host } }\n    connect: { host: "${target}" }\n    hops: [{ name: h, prompt: x }]\n',
    });
    expect(() => registry.resolve('p')).toThrow('param "target" needs a value (the host)');
    expect(registry.resolve('p', { target: 'db' }).connect.host).toBe('db');
  });

  it('says which profiles exist when asked for an unknown or abstract one', () => {
    expect(() => lab.registry.resolve('orders-pd')).toThrow(
      /^no profile "orders-pd" \(did you mean "orders-pod"\?\); profiles: /,
    );
    const { registry } = loadFromTexts({
      'p.yaml':
        'version: 1\nprofiles:\n  base: { abstract: true, timeout: 2s }\n  leaf: { extends: base, connect: { host: h }, hops: [{ name: s, prompt: x }] }\n',
    });
    expect(() => registry.resolve('base')).toThrow('profile "base" is abstract');
    expect(registry.openable()).toEqual(['leaf']);
    expect(registry.resolve('leaf').timeoutMs).toBe(2000);
  });

  it('merges connect key by key, adds handlers, and reads durations', () => {
    const { registry, errors, dir } = loadFromTexts({
      'base.yaml': [
        'version: 1',
        'profiles:',
        '  base:',
        '    abstract: true',
        '    connect: { host: bastion, user: ops, private_key: { file: keys/id }, keepalive: 2m }',
        '    on: [{ match: "Press any key", send_text: "" }]',
        '    timeout: 500ms',
      ].join('\n'),
      'leaf.yaml': [
        'version: 1',
        'profiles:',
        '  leaf:',
        '    extends: base',
        '    connect: { user: admin, password: { file: ~/pw }, host_key: { known_hosts: kh }, timeout: 3 }',
        '    on: [{ match: "Session expired", fail: "logged out" }]',
        '    hops: [{ name: s, steps: [{ wait_for: { match: x, timeout: 1.5s } }, { send_keys: [ctrl-c, enter] }], prompt: x }]',
      ].join('\n'),
    });
    expect(errors).toEqual([]);
    const p = registry.resolve('leaf');
    expect(p.connect).toMatchObject({
      host: 'bastion',
      user: 'admin',
      privateKey: { file: join(dir, 'keys', 'id') },
      password: { file: join(homedir(), 'pw') },
      hostKey: { kind: 'known_hosts', path: join(dir, 'kh') },
      keepaliveMs: 120_000,
      timeoutMs: 3000,
    });
    expect(p.on.map((h) => h.action)).toEqual([
      { kind: 'send_text', text: '' },
      { kind: 'fail', message: 'logged out' },
    ]);
    expect(p.hops[0]?.steps.map((s) => s.kind)).toEqual(['wait_for', 'send_keys']);
    expect(p.hops[0]?.steps[0]).toMatchObject({ timeoutMs: 1500 });
    expect(p.timeoutMs).toBe(500);
    expect(p.hops[0]?.source).toEqual({ file: join(dir, 'leaf.yaml'), line: 7, col: 12 });
  });

  it("keeps a parent's parameter rules when a child restates only the default", () => {
    const { registry, errors } = loadFromTexts({
      'p.yaml': [
        'version: 1',
        'profiles:',
        '  base:',
        '    abstract: true',
        '    params: { env: { description: stage, default: dev, enum: [dev, prod] } }',
        '    connect: { host: "${env}.example.com" }',
        '  prod:',
        '    extends: base',
        '    params: { env: { default: prod } }',
        '    hops: [{ name: s, prompt: x }]',
      ].join('\n'),
    });
    expect(errors).toEqual([]);
    expect(registry.resolve('prod').connect.host).toBe('prod.example.com');
    expect(registry.resolveForListing('prod').params.env).toEqual({
      description: 'stage',
      default: 'prod',
      enum: ['dev', 'prod'],
    });
    expect(() => registry.resolve('prod', { env: 'qa' })).toThrow('"qa" is not one of: dev, prod');
  });

  it('returns a frozen profile', () => {
    const p = lab.registry.resolve('orders-pod');
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.hops[1]?.steps[1])).toBe(true);
    expect(() => (p.hops as unknown as unknown[]).push({})).toThrow();
  });
});
