// Parameters are data (issue 13, finding 5): a value with a control character is refused, a
// value typed into a POSIX shell is one shell word, `validate` refuses a placeholder a shell
// would read inside quotes and warns about typed parameters without a pattern. The end-to-end
// cases walk the real lab (a real bash on the master) and the MCP server.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { GatewalkError } from '../../src/errors.js';
import { openSession } from '../../src/navigator/session.js';
import { shellWord } from '../../src/profiles/placeholders.js';
import type { ProfileRegistry } from '../../src/profiles/registry.js';
import { labOnFreePort } from '../helpers/lab.js';
import { packagePath } from '../../src/paths.js';
import { labConnect, profilesFrom, shipped } from '../helpers/nav.js';
import { loadFromTexts } from '../helpers/profiles.js';
import { connectClient, until } from '../mcp/helpers.js';

/** A menu hop, a shell behind it, and a second shell entered from the first one. */
const TWO_SHELLS = (param: string, send: string) => `
  p:
    params:
      ${param}
    connect: { host: h.example.com }
    hops:
      - { name: menu, prompt: 'Target: $', shell: none, exit: q }
      - name: master
        steps: [{ send_text: 'menu-pick \${v}' }]
        prompt: '\\$ $'
        shell: posix
        exit: exit
      - name: pod
        steps: [{ send_text: '${send}' }]
        prompt: '# $'
        shell: posix
        exit: exit
`;

const registryWith = (param: string, send = 'kubectl exec -it ${v} -- sh') =>
  profilesFrom(TWO_SHELLS(param, send));

const podStep = (registry: ProfileRegistry, v: string) => {
  const step = registry.resolve('p', { v }).hops[2]?.steps[0];
  return step?.kind === 'send_text' ? step.text : undefined;
};

function refusal(run: () => unknown): GatewalkError {
  try {
    run();
  } catch (err) {
    if (err instanceof GatewalkError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('parameter values with control characters', () => {
  const registry = registryWith('v: { description: any text }');
  it.each([
    ['newline', '10.66.12.21\n2'],
    ['carriage return', 'a\rb'],
    ['ESC', 'a\x1b[Ab'],
    ['NUL', 'a\0b'],
    ['tab', 'a\tb'],
    ['Ctrl-C', '\x03'],
    ['DEL', 'a\x7f'],
    ['C1 NEL', 'a\u0085b'],
    ['C1 CSI', '\u009bA'],
  ])('refuses a value with %s, naming the parameter', (_, value) => {
    const err = refusal(() => registry.resolve('p', { v: value }));
    expect(err.code).toBe('param_invalid');
    expect(err.message).toContain('param "v": the value holds a control character (U+');
    // The message never carries the raw control character back.
    expect(err.message).not.toContain(value);
  });

  it('refuses them whatever the pattern, and in a default (validate error)', () => {
    const withPattern = registryWith("v: { pattern: '[\\s\\S]*' }");
    expect(refusal(() => withPattern.resolve('p', { v: 'a\nb' })).code).toBe('param_invalid');
    const { errors } = loadFromTexts({
      'd.yaml': `version: 1\nprofiles:${TWO_SHELLS('v: { default: "x\\u001b[2J" }', 'go ${v}')}`,
    });
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringContaining(
        'params.v.default: the value holds a control character (U+001B (ESC))',
      ),
    ]);
  });

  it('allows printable text of any script', () => {
    expect(podStep(registry, '应用服务器-05')).toBe("kubectl exec -it '应用服务器-05' -- sh");
  });
});

describe('parameter values typed into a POSIX shell', () => {
  const registry = registryWith('v: { description: any text }');

  it.each([
    ['x; touch /tmp/p', "'x; touch /tmp/p'"],
    ['$(id)', "'$(id)'"],
    ['`id`', "'`id`'"],
    ["it's", "'it'\\''s'"],
    ['a\\b', "'a'\\\\'b'"],
    ['', "''"],
    ['-rf', "'-rf'"],
    ['~root', "'~root'"],
    ['a b', "'a b'"],
  ])('types %j as one quoted word', (value, word) => {
    expect(podStep(registry, value)).toBe(`kubectl exec -it ${word} -- sh`);
  });

  it('types plain values (names, IPs, paths) bare', () => {
    for (const v of ['orders-api-7d9d65f8b4-2plxq', '10.66.12.21', '/var/log/app.log', 'a=b:c'])
      expect(podStep(registry, v)).toBe(`kubectl exec -it ${v} -- sh`);
  });

  it('quotes the hop exit typed at its own shell prompt', () => {
    const r = profilesFrom(
      TWO_SHELLS('v: {}', 'go').replace(
        'exit: exit\n      - name: pod',
        "exit: 'exit ${v}'\n      - name: pod",
      ),
    );
    expect(r.resolve('p', { v: '1; id' }).hops[1]?.exit).toBe("exit '1; id'");
  });

  // The word must read back as the value in every shell gatewalk drives: fish reads `\\` and
  // `\'` inside single quotes, the POSIX shells do not.
  const SHELLS: [string, string[]][] = [
    ['bash', ['bash', '-c']],
    ['dash', ['dash', '-c']],
    ['busybox ash', ['busybox', 'sh', '-c']],
    ['mksh', ['mksh', '-c']],
    ['zsh', ['zsh', '-c']],
    ['fish', ['fish', '-c']],
  ];
  const NASTY = [
    "x; touch /tmp/p'",
    '$(id)`id`',
    "a'b\\'c\\\\",
    '\\',
    "'",
    '"$HOME"',
    '!!',
    '*',
    'a\\',
  ];
  it.each(SHELLS)('%s reads every quoted word back byte for byte', (_, [cmd, ...args]) => {
    for (const value of NASTY) {
      const out = execFileSync(cmd as string, [...args, `printf '%s' ${shellWord(value)}`], {
        encoding: 'utf8',
      });
      expect(out).toBe(value);
    }
  });

  it('types a value into a menu as it is (no quotes), control characters still refused', () => {
    const step = registry.resolve('p', { v: 'db prod; x' }).hops[1]?.steps[0];
    expect(step).toMatchObject({ kind: 'send_text', text: 'menu-pick db prod; x' });
  });

  it('types a raw: true value as it is, and it must match its pattern', () => {
    const raw = registryWith("v: { raw: true, pattern: '[a-z|]+' }");
    expect(podStep(raw, 'a|b')).toBe('kubectl exec -it a|b -- sh');
    expect(refusal(() => raw.resolve('p', { v: 'a;b' })).message).toContain(
      'param "v": "a;b" does not match [a-z|]+',
    );
    expect(refusal(() => raw.resolve('p', { v: 'a\nb' })).code).toBe('param_invalid');
  });
});

describe('validate and typed parameters', () => {
  // `send` goes into a single-quoted YAML string.
  const load = (param: string, send: string) =>
    loadFromTexts({
      'v.yaml': `version: 1\nprofiles:${TWO_SHELLS(param, send.replaceAll("'", "''"))}`,
    });

  it.each([
    ['double quotes', 'kubectl exec -it "${v}" -- sh'],
    ['single quotes', "echo '${v}'"],
    ['backquotes', 'echo `cat ${v}`'],
    ['a backslash', 'echo \\${v}'],
  ])('refuses a placeholder inside %s on a shell hop', (inside, send) => {
    const { errors, registry } = load("v: { pattern: '[a-z]+' }", send);
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(
        new RegExp(`hop 3, step 1: send_text: \\$\\{v\\} stands inside ${inside}: .*raw: true`),
      ),
    ]);
    expect(registry.has('p')).toBe(false);
  });

  it('accepts a quoted placeholder of a raw param, and quotes typed into a menu', () => {
    expect(load("v: { raw: true, pattern: '[a-z]+' }", 'echo "${v}"').errors).toEqual([]);
    const menu = loadFromTexts({
      'm.yaml': `version: 1\nprofiles:${TWO_SHELLS("v: { pattern: '[a-z]+' }", 'go').replace('menu-pick ${v}', 'menu-pick "${v}"')}`,
    });
    expect(menu.errors).toEqual([]);
  });

  it('accepts a bare placeholder, an escaped one and one next to quoted text', () => {
    const { errors } = load("v: { pattern: '[a-z]+' }", `x --name="a"\${v} '$\${v}' ok`);
    expect(errors).toEqual([]);
  });

  it('warns about a typed parameter without a pattern, into a shell or a menu', () => {
    const { errors, warnings } = load('v: { description: any }', 'kubectl exec -it ${v} -- sh');
    expect(errors).toEqual([]);
    expect(warnings.map((w) => `${w.line}: ${w.message}`)).toEqual([
      `10: profile "p", hop 2, step 1: send_text: param "v" is typed into a menu or program and has no pattern nor enum: it is typed as it is; give it a pattern of the values it takes, e.g. pattern: '^[A-Za-z0-9._-]+$'`,
      `15: profile "p", hop 3, step 1: send_text: param "v" is typed into a shell and has no pattern nor enum: gatewalk quotes it as one word, but any word gets through (an option, a path); give it a pattern of the values it takes, e.g. pattern: '^[A-Za-z0-9._-]+$'`,
    ]);
  });

  it('does not warn when the parameter has a pattern or an enum', () => {
    expect(load("v: { pattern: '[a-z]+' }", 'go ${v}').warnings).toEqual([]);
    expect(load('v: { enum: [a, b] }', 'go ${v}').warnings).toEqual([]);
  });

  it('ships every profile with a pattern or enum on each parameter', () => {
    const listed = shipped.names().map((n) => shipped.resolveForListing(n));
    const loose = listed.flatMap((p) =>
      Object.entries(p.params)
        .filter(([, s]) => s.pattern === undefined && s.enum === undefined)
        .map(([k]) => `${p.name}.${k}`),
    );
    expect(loose).toEqual([]);
  });
});

describe('parameters against the real lab', () => {
  let lab: Lab;
  let dir: string;
  beforeAll(async () => {
    lab = await labOnFreePort();
    dir = mkdtempSync(join(tmpdir(), 'gatewalk-params-'));
  });
  afterAll(async () => {
    await lab.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const noVia = {
    lookup: (name: string) => {
      throw new Error(`no via ${name} here`);
    },
  };

  // orders-pod as the lab ships it, but `pod` without its pattern: only the quoting stands
  // between the value and the master's bash.
  const podProfile = (extra = '') =>
    profilesFrom(`
  pod:
    params:
      pod: { default: orders-api-7d9d65f8b4-2plxq${extra} }
    connect: ${labConnect(lab)}
    timeout: 5s
    hops:
      - { name: menu, prompt: 'Target IP: $', shell: none, exit: q }
      - name: master
        steps:
          - send_text: '10.66.12.21'
          - wait_for: 'User number: $'
          - send_text: root
        prompt: '\\[\\S+@\\S+ [^\\]]*\\][#$] $'
        shell: posix
        exit: exit
      - name: pod
        steps:
          - send_text: 'kubectl exec -it \${pod} -n orders -- /bin/bash'
          - wait_for:
              - { match: 'Connected to pod ' }
              - { match: 'Error from server \\(NotFound\\)', fail: 'no pod \${pod}' }
        prompt: '\\[pod:[^\\]]+\\]\\$ $'
        shell: posix
        exit: exit
`);

  // The file is touched before anything is printed: the walk fails at kubectl's NotFound and
  // hangs up, so a command after it might not run in time to be seen.
  const smuggled = (f: string) => `x -- true >/dev/null 2>&1; touch ${f}; kubectl exec -it nope`;

  it.each([
    ['a command after ;', smuggled],
    ['$(...)', (f: string) => `$(touch ${f})nope`],
    ['backquotes', (f: string) => `\`touch ${f}\`nope`],
  ])('runs nothing a pod name smuggles in with %s', async (_, value) => {
    const file = join(dir, `pwned-${Math.random().toString(36).slice(2)}`);
    const err = await openSession(podProfile().resolve('pod', { pod: value(file) }), noVia).catch(
      (e: unknown) => e,
    );
    // Had the line run the value, the file would be there by now.
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(file)).toBe(false);
    expect(String(err)).toContain('no pod ');
  });

  // The control case: the same value under raw: true does run on the master, so the check above
  // would see an injection if quoting were missing.
  it('runs it under raw: true (the documented opt-out), so the test above can see one', async () => {
    const file = join(dir, 'raw-opt-out');
    const err = await openSession(
      podProfile(', raw: true').resolve('pod', { pod: smuggled(file) }),
      noVia,
    ).catch((e: unknown) => e);
    expect(String(err)).toContain('pods "nope" not found');
    await until(
      () => existsSync(file),
      (v) => v,
      3000,
    );
  });

  it('refuses a newline in ip through open_session before anything is typed', async () => {
    writeFileSync(
      join(dir, 'menu.yaml'),
      `version: 1\nprofiles:\n  loose:\n    params:\n      ip: { default: 10.66.12.21 }\n` +
        `    connect: ${labConnect(lab)}\n    hops:\n      - { name: menu, prompt: 'Target IP: $', shell: none }\n` +
        `      - name: master\n        steps: [{ send_text: '\${ip}' }]\n        prompt: '\\$ $'\n`,
    );
    const c = await connectClient({ profileDirs: [dir, packagePath('profiles')] });
    // The walks above have let go of their connections.
    await until(
      () => lab.connections(),
      (n) => n === 0,
    );
    try {
      for (const [profile, extra] of [
        ['loose', {}],
        ['master-a', { lab_port: lab.port }],
      ] as const) {
        const text = await c.fails('open_session', {
          profile,
          params: { ip: '10.66.12.21\n2\n', ...extra },
        });
        expect(text).toContain('param "ip"');
        expect(text).toContain('[param_invalid]');
      }
      // Refused at resolution: no connection was ever made to the gateway.
      expect(lab.connections()).toBe(0);
      const { sessions } = await c.ok<{ sessions: unknown[] }>('list_sessions');
      expect(sessions).toEqual([]);
    } finally {
      await c.close();
    }
  });
});
