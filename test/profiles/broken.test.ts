import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/profiles/diagnostics.js';
import { loadProfiles } from '../../src/profiles/registry.js';

const DIR = join('test', 'fixtures', 'broken');

// Each broken file and exactly what `gatewalk validate` says about it, position and words.
const CASES: [string, string[]][] = [
  [
    'duplicate-a.yaml + duplicate-b.yaml',
    ['duplicate-b.yaml:3:3: profile "base": already defined at duplicate-a.yaml:3:3'],
  ],
  [
    'extends.yaml',
    [
      'extends.yaml:4:14: profile "child": extends: no profile "parnt" (did you mean "parent"?)',
      'extends.yaml:10:14: profile "loop-a": extends: cycle: loop-a -> loop-b -> loop-a',
      'extends.yaml:12:14: profile "loop-b": extends: cycle: loop-b -> loop-a -> loop-b',
      'extends.yaml:14:42: profile "hopper": connect.via: no profile "bastian"',
    ],
  ],
  [
    'names.yaml',
    ['names.yaml:3:3: profiles: invalid name "Bad Name": must match ^[a-z0-9][a-z0-9._-]*$'],
  ],
  [
    'no-connect.yaml',
    [
      'no-connect.yaml:3:3: profile "lonely": no connect (nor does any profile it extends)',
      'no-connect.yaml:5:3: profile "empty": no hops: add one with a prompt, or mark the profile abstract: true if it is only extended or used as via',
    ],
  ],
  [
    'plain-secret.yaml',
    [
      'plain-secret.yaml:6:17: profile "box": connect.password: a secret is a reference, not the value itself: write { env: NAME }, { file: path }, { command: "..." } or { totp: { env: SEED } }',
      'plain-secret.yaml:10:26: profile "box", hop 1, step 1: send_secret: a secret takes exactly one of: env, file, command, totp, ask (found: env, file)',
    ],
  ],
  [
    'regex-params.yaml',
    [
      'regex-params.yaml:6:24: profile "menu": params.code.default: "abc" does not match ^\\d+$',
      'regex-params.yaml:11:23: profile "menu", hop 1, step 1: wait_for: invalid regex: Unterminated group',
      'regex-params.yaml:12:24: profile "menu", hop 1, step 2: send_text: ${targte} is not a parameter of profile "menu" (did you mean "target"?); known: target, code',
      'regex-params.yaml:13:84: profile "menu", hop 1, step 3: select.send: ${nope} is not a parameter of profile "menu"; known: target, code, key, label',
      'regex-params.yaml:14:9: profile "menu", hop 2: the last hop ("shell") needs a prompt',
    ],
  ],
  [
    'step-shape.yaml',
    [
      'step-shape.yaml:8:13: profile "box", hop 1, step 1: a step takes exactly one of: send_text, send_secret, send_keys, wait_for, select (found: send_text, wait_for)',
      'step-shape.yaml:9:23: profile "box", hop 1, step 2: wait_for: must be a string, or a mapping, or a list',
      'step-shape.yaml:10:46: profile "box", hop 1, step 3: wait_for.timeout: must be a duration: "500ms", "15s", "2m", or a number of seconds',
      'step-shape.yaml:11:33: profile "box", hop 1, step 4: send_keys[2]: must be one of: ctrl-c, ctrl-d, ctrl-z, ctrl-\\, enter, esc, tab, up, down, left, right, space, backspace, home, end, pageup, pagedown',
    ],
  ],
  [
    'syntax.yaml',
    [
      'syntax.yaml:5:5: Flow map in block collection must be sufficiently indented and end with a }',
    ],
  ],
  [
    'top-level.yaml',
    [
      'top-level.yaml:1:1: missing "profiles"',
      'top-level.yaml:1:10: version: must be 1',
      'top-level.yaml:2:1: unknown key "profile" (did you mean "profiles"?); expected one of: version, profiles',
    ],
  ],
  [
    'unknown-key.yaml',
    [
      'unknown-key.yaml:6:7: profile "box": connect: unknown key "usr" (did you mean "user"?); expected one of: host, port, user, password, private_key, passphrase, agent, host_key, via, keepalive, timeout',
      'unknown-key.yaml:10:13: profile "box", hop 1, step 1: unknown key "send_txt" (did you mean "send_text"?); expected one of: send_text, send_secret, send_keys, wait_for, select',
      'unknown-key.yaml:11:9: profile "box", hop 1: unknown key "promt" (did you mean "prompt"?); expected one of: name, steps, prompt, shell, exit, on',
    ],
  ],
  [
    'warnings.yaml',
    [
      'warnings.yaml:7:29: warning: profile "twice", hop 1, step 1: wait_for: may backtrack catastrophically (nested quantifiers); simplify the regex',
      'warnings.yaml:11:45: warning: profile "twice", hop 2, step 2: timeout 0: this wait can never succeed',
      'warnings.yaml:12:17: warning: profile "twice", hop 2: prompt: also matches hop "outer"\'s prompt (e.g. "# "): the walk could take one hop for the other; make the prompts distinct',
      'warnings.yaml:19:76: warning: profile "slow", hop 1, step 4: no timeout budget left: the connection and the waits before this one may take 75s, the whole walk has 1m (open_timeout)',
    ],
  ],
];

describe('broken profiles', () => {
  it.each(CASES)('%s', (files, expected) => {
    const result = loadProfiles(files.split(' + ').map((f) => join(DIR, f)));
    const said = [...result.errors, ...result.warnings]
      .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col)
      .map((d) => formatDiagnostic(d).replaceAll(`${DIR}/`, ''));
    expect(said).toEqual(expected);
  });

  it('never puts a secret written in plain text into a message', () => {
    const result = loadProfiles([join(DIR, 'plain-secret.yaml')]);
    expect(result.errors.length).toBeGreaterThan(0);
    for (const d of result.errors) expect(d.message).not.toContain('hunter2');
  });

  it('keeps profiles with errors out of the registry, and the others in', () => {
    const result = loadProfiles([join(DIR, 'extends.yaml')]);
    expect(result.registry.names()).toEqual(['parent']);
  });
});
