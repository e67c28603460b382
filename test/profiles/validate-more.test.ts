import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runValidateCommand } from '../../src/cli/profiles-commands.js';
import { regexFindings } from '../../src/profiles/regex-lint.js';
import { Screen } from '../../src/terminal/screen.js';

const dir = mkdtempSync(join(tmpdir(), 'gatewalk-validate-more-'));

function validate(yaml: string, args: string[] = [], env: Record<string, string> = {}) {
  const file = join(dir, `p${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `version: 1\nprofiles:\n${yaml}`);
  const out: string[] = [];
  const io: CliIo = {
    out: (l) => out.push(l),
    write: (t) => out.push(t),
    err: (l) => out.push(l),
    onShutdown: () => {},
    onToggle: () => {},
    env,
    cwd: dir,
  };
  const status = runValidateCommand([...args, file], io);
  const name = file.slice(dir.length + 1);
  return { status, out: out.map((l) => l.replace(name, 'f.yaml')) };
}

/** A profile with one hop whose prompt (and optional steps) are given. */
const box = (prompt: string, extra = '') =>
  `  box:\n    connect: { host: h }\n${extra}    hops:\n      - name: app\n        prompt: '${prompt}'\n`;

describe('validate: regexes that can never match', () => {
  it('a `$` followed by more text is an error at the prompt, telling to write \\$', () => {
    const r = validate(box('/app $ $'));
    expect(r.status).toBe(1);
    expect(r.out).toEqual([
      'f.yaml:7:17: profile "box", hop 1: prompt: can never match: the `$` at character 6 matches only at a line end, and a space follows it; write `\\$` for a literal dollar',
      '1 file, 0 valid profiles, 0 templates: 1 error, 0 warnings',
    ]);
  });

  it('the escaped dollar, a `$` at the end and a `$` before a line break are fine', () => {
    for (const prompt of ['/app \\$ $', '\\$ ?$', ']$\\n\\$ $'])
      expect(validate(box(prompt)).out).toEqual([
        '1 file, 1 valid profile, 0 templates: 0 errors, 0 warnings',
      ]);
  });

  it('a placeholder does not hide a dead `$`, and `$${x}` is literal text', () => {
    const params = '    params: { env: { default: prod, pattern: "^[a-z]+$" } }\n';
    expect(validate(box('${env}$ $', params)).out[0]).toContain(
      'the `$` at character 7 matches only at a line end',
    );
    expect(validate(box('$${env} $', params)).status).toBe(0);
  });

  it('a dead `$` in one branch is a warning; `^` after text is an error', () => {
    const wait = '    hops:\n      - name: app\n        steps: [{ wait_for: "(ready$|ok) " }]\n';
    const r = validate(`  box:\n    connect: { host: h }\n${wait}        prompt: 'x> '\n`);
    expect(r.status).toBe(0);
    expect(r.out[0]).toMatch(
      /^f\.yaml:7:\d+: warning: profile "box", hop 1, step 1: wait_for: a branch can never match: the `\$` at character 7 matches only at a line end, and a space follows it/,
    );
    expect(validate(box('host^> ')).out[0]).toContain(
      'can never match: the `^` at character 5 matches only at a line start, and "t" precedes it; write `\\^` for a literal caret',
    );
  });

  it('deny patterns (no flags) and parameter patterns read `$` as the end of the text', () => {
    const policy = '    policy: { deny: ["rm$\\\\n-rf"] }\n';
    const r = validate(box('x> ', policy));
    expect(r.out[0]).toContain(
      'deny[1]: can never match: the `$` at character 3 matches only at the end',
    );
    // The same regex in a wait (m flag) can match: "rm\n-rf".
    expect(regexFindings('rm$\\n-rf', { multiline: true })).toEqual({ never: null, dead: [] });
    const param = '    params: { v: { pattern: "a$b" } }\n';
    expect(validate(box('x> ', param)).out[0]).toContain('pattern: can never match');
  });

  it('a class of no character can never match', () => {
    expect(validate(box('[]> ')).out[0]).toContain(
      'can never match: the class at character 1 holds no character',
    );
  });
});

describe('validate: prompts the screen up to the cursor can never show', () => {
  it('a prompt needing ESC, CR or a tab, ending with a line break or needing 4 line breaks', () => {
    const cases: [string, string][] = [
      [
        '\\x1b\\[0m\\$ ',
        'it needs ESC (\\x1b, a colour or other escape sequence), which the screen never shows',
      ],
      ['\\$\\r\\n', 'it needs a carriage return (\\r)'],
      ['a\\tb', 'it needs a tab (\\t)'],
      ['\\$ \\n', 'it ends with a line break'],
      [
        'a\\nb\\nc\\nd\\n\\$ ',
        'it needs 4 line breaks: a prompt is matched against the 4 screen rows up to the cursor (3 line breaks at most)',
      ],
    ];
    for (const [prompt, message] of cases) {
      const r = validate(box(prompt));
      expect(r.status, prompt).toBe(1);
      expect(r.out[0]).toContain(`prompt: can never match: ${message}`);
    }
  });

  it('a prompt over 4 rows, and a wait_for with \\r\\n (it reads the stream), are fine', () => {
    expect(validate(box('a\\nb\\nc\\n\\$ ')).status).toBe(0);
    const wait = '    hops:\n      - name: app\n        steps: [{ wait_for: "ok\\\\r\\\\n" }]\n';
    const r = validate(`  box:\n    connect: { host: h }\n${wait}        prompt: 'x> '\n`);
    expect(r.out).toEqual(['1 file, 1 valid profile, 0 templates: 0 errors, 0 warnings']);
  });

  it('the rendered screen indeed holds no tab, CR or ESC before the cursor', () => {
    const screen = new Screen(80, 10, () => {});
    screen.write('one\r\n\x1b[1mtwo\x1b[0m\tthree\r\nuser@host:~$ ');
    const text = screen.beforeCursor();
    expect(text).toMatch(/two +three\nuser@host:~\$ $/);
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    expect(text).not.toMatch(/[\t\r\x1b]/);
  });
});

describe('validate: secrets and templates', () => {
  const secrets =
    '  base:\n    abstract: true\n    connect: { host: h, password: { env: GW_TEST_PW } }\n' +
    '  app:\n    extends: base\n    connect: { private_key: { file: no-such-key } }\n' +
    '    hops:\n      - name: s\n        steps: [{ send_secret: { totp: { env: GW_TEST_SEED } } }]\n' +
    "        prompt: 'x> '\n";

  it('reports every missing secret at once, with its profile, as warnings', () => {
    const r = validate(secrets);
    expect(r.status).toBe(0);
    expect(r.out).toEqual([
      'f.yaml:5:35: warning: profile "base": connect.password: environment variable GW_TEST_PW is not set: the walk needs it',
      // Relative to the profile's folder, shown relative to the working folder.
      'f.yaml:8:29: warning: profile "app": connect.private_key: file no-such-key cannot be read (ENOENT): the walk needs it',
      'f.yaml:11:32: warning: profile "app", hop 1, step 1: send_secret: TOTP seed: environment variable GW_TEST_SEED is not set: the walk needs it',
      '1 file, 1 valid profile, 1 template: 0 errors, 3 warnings',
    ]);
  });

  it('--secrets makes them errors; set variables and a readable file pass', () => {
    const strict = validate(secrets, ['--secrets']);
    expect(strict.status).toBe(1);
    expect(strict.out.at(-1)).toBe('1 file, 1 valid profile, 1 template: 3 errors, 0 warnings');
    writeFileSync(join(dir, 'no-such-key'), 'key');
    const ok = validate(secrets, ['--secrets'], { GW_TEST_PW: 'pw', GW_TEST_SEED: 'JBSWY3DP' });
    expect(ok).toEqual({
      status: 0,
      out: ['1 file, 1 valid profile, 1 template: 0 errors, 0 warnings'],
    });
  });

  it('--json lists openable profiles and templates apart', () => {
    const r = validate(secrets, ['--json']);
    expect(JSON.parse(r.out.join(''))).toMatchObject({
      ok: true,
      profiles: ['app'],
      templates: ['base'],
    });
  });
});
