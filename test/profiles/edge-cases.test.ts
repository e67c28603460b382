import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/profiles/diagnostics.js';
import { loadFromTexts } from '../helpers/profiles.js';

/** Loads one file and returns what validate would print (file name shortened). */
function said(text: string): string[] {
  const r = loadFromTexts({ 'p.yaml': text });
  return [...r.errors, ...r.warnings].map((d) => formatDiagnostic({ ...d, file: 'p.yaml' }));
}

const head = 'version: 1\nprofiles:\n';

describe('profile loader edge cases', () => {
  it('reports a regex that only breaks with the parameter value, without throwing', () => {
    expect(
      said(
        `${head}  a:\n    params: { p: { default: "0" } }\n    connect: { host: h }\n    hops: [{ name: s, prompt: '[a-\${p}]' }]\n`,
      ),
    ).toEqual([
      'p.yaml:6:31: profile "a", hop 1: prompt: invalid regex: Range out of order in character class',
    ]);
    expect(
      said(
        `${head}  a:\n    params: { p: { default: b, pattern: '^[a-\${q}]$' } }\n    connect: { host: h }\n    hops: [{ name: s, prompt: x }]\n`,
      ),
    ).toEqual([
      'p.yaml:4:41: profile "a": params.p.pattern: invalid regex: Range out of order in character class',
    ]);
  });

  it('does not hang on prompts that backtrack or repeat hugely', () => {
    const t0 = Date.now();
    const out = said(
      `${head}  a:\n    connect: { host: h }\n    hops:\n      - { name: one, prompt: 'a{32}!' }\n      - { name: two, prompt: '^(a+)+$' }\n      - { name: three, prompt: '((x{1000}){1000}){1000}' }\n`,
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(out).toContain(
      'p.yaml:7:30: warning: profile "a", hop 2: prompt: may backtrack catastrophically (nested quantifiers); simplify the regex',
    );
  });

  it('treats parameter names like toString as plain names', () => {
    const r = loadFromTexts({
      'p.yaml': `${head}  a:\n    params: { toString: {}, valueOf: { default: v } }\n    connect: { host: '\${toString}-\${valueOf}' }\n    hops: [{ name: s, prompt: x }]\n`,
    });
    expect(() => r.registry.resolve('a')).toThrow('param "toString" needs a value');
    expect(r.registry.resolve('a', { toString: 't' }).connect.host).toBe('t-v');
  });

  it('points at the right node for profiles named with digits, and at aliases', () => {
    expect(
      said(`${head}  123:\n    connect: { host: h }\n    hops: [{ name: s, prompt: '(' }]\n`),
    ).toEqual(['p.yaml:5:31: profile "123", hop 1: prompt: invalid regex: Unterminated group']);
    expect(said(`${head}  a:\n    connect: *nope\n`)).toEqual([
      expect.stringMatching(/^p\.yaml:4:14: /),
    ]);
  });

  it('says what an empty or multi-document file is', () => {
    expect(said('# only a comment\n')).toEqual([
      'p.yaml:1:1: the file is empty: a profile file starts with "version: 1" and "profiles:"',
    ]);
    expect(said(`${head}  a: {}\n---\nversion: 1\n`)).toEqual([
      'p.yaml:4:1: one YAML document per file: remove the second "---" (or split the file)',
    ]);
  });

  it('checks placeholders in fail messages and suggests keys typed short or swapped', () => {
    expect(
      said(
        `${head}  a:\n    connect: { host: h }\n    hops: [{ name: s, steps: [{ wait_for: [{ match: x, fial: 'no \${typo}' }] }], prompt: x }]\n`,
      ),
    ).toEqual([expect.stringContaining('unknown key "fial" (did you mean "fail"?)')]);
    expect(
      said(
        `${head}  a:\n    connect: { host: h }\n    hops: [{ name: s, steps: [{ wait: x }], prompt: x }]\n`,
      ),
    ).toEqual([expect.stringContaining('unknown key "wait" (did you mean "wait_for"?)')]);
    expect(
      said(
        `${head}  a:\n    connect: { host: h }\n    hops: [{ name: s, steps: [{ wait_for: [{ match: x, fail: 'no \${typo}' }] }], prompt: x }]\n`,
      ),
    ).toEqual([expect.stringContaining('fail: ${typo} is not a parameter of profile "a"')]);
  });

  it('checks ports: a lone ${param}, and its default a real port', () => {
    expect(
      said(
        `${head}  a:\n    connect: { host: h, port: 'x\${p}' }\n    hops: [{ name: s, prompt: x }]\n`,
      ),
    ).toEqual([
      'p.yaml:4:31: profile "a": connect.port: must be a port number from 1 to 65535, or a ${param}',
    ]);
    expect(
      said(
        `${head}  a:\n    params: { p: { default: 70000 } }\n    connect: { host: h, port: '\${p}' }\n    hops: [{ name: s, prompt: x }]\n`,
      ),
    ).toEqual([
      'p.yaml:5:31: profile "a": connect.port: with its parameters\' defaults the port is "70000", not a port number from 1 to 65535',
    ]);
  });

  it('checks that a via target can be connected to with its defaults', () => {
    expect(
      said(
        `${head}  base: { abstract: true }\n  needs: { abstract: true, params: { h: {} }, connect: { host: '\${h}' } }\n  a:\n    connect: { host: h, via: base }\n    hops: [{ name: s, prompt: x }]\n  b:\n    connect: { host: h, via: needs }\n    hops: [{ name: s, prompt: x }]\n`,
      ),
    ).toEqual([
      'p.yaml:6:30: profile "a": connect.via: "base" has no connect.host: nothing to jump through',
      'p.yaml:9:30: profile "b": connect.via: "needs" needs param h without a default: a via target is used with its defaults',
    ]);
  });

  it('matches parameter patterns against the whole value, and $${x} literally in regexes', () => {
    const r = loadFromTexts({
      'p.yaml': `${head}  a:\n    params: { n: { default: '1', pattern: '\\d+' } }\n    connect: { host: h }\n    hops: [{ name: s, prompt: 'cost $\${n} \${n}' }]\n`,
    });
    expect(r.errors).toEqual([]);
    expect(() => r.registry.resolve('a', { n: 'abc1def' })).toThrow(
      /"abc1def" does not match \\d\+ \(declared at .*p\.yaml:4:18\)/,
    );
    const prompt = new RegExp(r.registry.resolve('a', { n: '7' }).hops[0]?.prompt ?? '', 'm');
    expect(prompt.test('cost ${n} 7')).toBe(true);
  });
});
