import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/profiles/diagnostics.js';
import { loadFromTexts } from '../helpers/profiles.js';

/** Loads one file; returns the registry and what validate would print (file name shortened). */
function load(text: string) {
  const r = loadFromTexts({ 'p.yaml': text });
  const said = [...r.errors, ...r.warnings].map((d) => formatDiagnostic({ ...d, file: 'p.yaml' }));
  return { registry: r.registry, said };
}

const head = 'version: 1\nprofiles:\n';
const box = '    connect: { host: h }\n    hops: [{ name: s, prompt: x }]\n';

describe('profile policy', () => {
  it('defaults to no policy: writes allowed, nothing denied', () => {
    const { registry, said } = load(`${head}  a:\n${box}`);
    expect(said).toEqual([]);
    expect(registry.resolve('a').policy).toEqual({ readOnly: false, deny: [] });
  });

  it('resolves read_only and deny, with parameters inserted escaped', () => {
    const { registry, said } = load(
      `${head}  a:\n` +
        `    params: { ns: { default: a.b } }\n` +
        `    policy:\n` +
        `      read_only: true\n` +
        `      deny: ['\\brm\\s+-rf\\b', '^shutdown', 'delete .* -n \${ns}']\n` +
        box,
    );
    expect(said).toEqual([]);
    const policy = registry.resolve('a').policy;
    expect(policy).toEqual({
      readOnly: true,
      deny: [String.raw`\brm\s+-rf\b`, '^shutdown', String.raw`delete .* -n a\.b`],
    });
    expect(Object.isFrozen(policy.deny)).toBe(true);
  });

  it('inherits read_only and deny through extends, each replaced on its own', () => {
    const { registry, said } = load(
      `${head}` +
        `  base:\n    abstract: true\n    policy: { read_only: true, deny: ['^reboot'] }\n` +
        `  same:\n    extends: base\n${box}` +
        `  writable:\n    extends: base\n    policy: { read_only: false }\n${box}` +
        `  stricter:\n    extends: base\n    policy: { deny: ['^halt', '^reboot'] }\n${box}` +
        `  undenied:\n    extends: writable\n    policy: { deny: [] }\n`,
    );
    expect(said).toEqual([]);
    const policy = (name: string) => registry.resolve(name).policy;
    expect(policy('same')).toEqual({ readOnly: true, deny: ['^reboot'] });
    expect(policy('writable')).toEqual({ readOnly: false, deny: ['^reboot'] });
    expect(policy('stricter')).toEqual({ readOnly: true, deny: ['^halt', '^reboot'] });
    expect(policy('undenied')).toEqual({ readOnly: false, deny: [] });
  });

  it('points at a deny regex that does not compile, counting from 1 like other lists', () => {
    const { registry, said } = load(
      `${head}  a:\n    policy:\n      deny:\n        - '(rm'\n        - ok\n        - '[z-a]'\n${box}`,
    );
    expect(said).toEqual([
      'p.yaml:6:11: profile "a": policy.deny[1]: invalid regex: Unterminated group',
      'p.yaml:8:11: profile "a": policy.deny[3]: invalid regex: Range out of order in character class',
    ]);
    expect(registry.has('a')).toBe(false);
  });

  it('reports an unknown parameter in a deny regex, and warns about backtracking', () => {
    const { said } = load(`${head}  a:\n    policy: { deny: ['^(a+)+$', 'x\${nope}'] }\n${box}`);
    expect(said).toEqual([
      'p.yaml:4:33: profile "a": policy.deny[2]: ${nope} is not a parameter of profile "a"',
    ]);
    const { said: warned } = load(`${head}  a:\n    policy: { deny: ['^(a+)+$'] }\n${box}`);
    expect(warned).toEqual([
      'p.yaml:4:22: warning: profile "a": policy.deny[1]: may backtrack catastrophically (nested quantifiers); simplify the regex',
    ]);
  });

  it('rejects unknown keys and wrong types under policy, with a suggestion', () => {
    const { registry, said } = load(
      `${head}  a:\n    policy:\n      readonly: true\n      deny: '^rm'\n${box}` +
        `  b:\n    policy: { read_only: yes please }\n${box}`,
    );
    expect(said).toEqual([
      'p.yaml:5:7: profile "a": policy: unknown key "readonly" (did you mean "read_only"?); expected one of: read_only, deny',
      'p.yaml:6:13: profile "a": policy.deny: must be a list',
      'p.yaml:10:26: profile "b": policy.read_only: must be true or false',
    ]);
    expect(registry.names()).toEqual([]);
  });
});
