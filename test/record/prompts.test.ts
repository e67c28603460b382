import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchesAtEnd } from '../../src/navigator/matcher.js';
import { fill } from '../../src/profiles/placeholders.js';
import { generalizePrompt, isShellLike, promptLineOf } from '../../src/record/prompts.js';

// The prompts of the real-OpenSSH lab as they stand literally (lab/openssh/README.md).
const LAB_PROMPTS = [
  'Opt> ',
  '[Host]> ',
  'ID> ',
  'OTP Code: ',
  'Press any key to continue...',
  '[dba@db-prod-01 ~]$ ',
  'Select a host (q quits): ',
  '[ops@node-17 ~]$ ',
  '请输入资产ID：',
  '[ops@cjk-7 ~]$ ',
  'router01>',
  'router01#',
  'Password: ',
  '[root@master ~]$ ',
  '[pod:bash-pod ~]$ ',
  'app@app-server:~$ ',
  '[bash ~]# ',
  '[dash]$ ',
  '[mksh]$ ',
  'vm# ',
  'root@zsh ~ # ',
  'root@vm ~# ',
  '[tcsh]> ',
];

describe('generalizePrompt', () => {
  it('each lab prompt: its regex matches it at the end and none of the others', () => {
    for (const p of LAB_PROMPTS) {
      const others = LAB_PROMPTS.filter((o) => o !== p);
      const re = generalizePrompt([p], others);
      expect(matchesAtEnd(p, re), `${p} by ${re}`).toBe(true);
      for (const o of others) expect(matchesAtEnd(o, re), `${o} by ${re} (for ${p})`).toBe(false);
    }
  });

  it('generalises what changes: folder, clock, pod hash; keeps the rest literal', () => {
    const cases: [string, string[]][] = [
      ['[bash ~]# ', ['[bash tmp]# ', '[bash /var/log]# ']],
      ['root@zsh ~ # ', ['root@zsh /tmp # ']],
      ['app@app-server:~/src$ ', ['app@app-server:/etc$ ']],
      ['[12:03:44] me@h:~$ ', ['[09:15:02] me@h:/var$ ']],
      ['root@web-7d9d65f8b4-2plxq:/app# ', ['root@web-5c6b7d8f9a-x1y2z:/app# ']],
      ['\nroot@multiline ~\n# ', ['\nroot@multiline /tmp\n# ']],
    ];
    for (const [sample, later] of cases) {
      const re = generalizePrompt([sample]);
      for (const l of later) expect(matchesAtEnd(l, re), `${l} by ${re}`).toBe(true);
      expect(matchesAtEnd('Opt> ', re)).toBe(false);
    }
  });

  it('two samples of one place: the varying middle becomes a wildcard', () => {
    const re = generalizePrompt(['[ops@node-17 ~]$ ', '[ops@node-17 src]$ ']);
    expect(re).toBe('\\[ops@node-17 [^\\]]*\\]\\$ $');
  });

  it('a typed value in the prompt becomes ${name}, filled back as a literal', () => {
    const re = generalizePrompt(
      ['[dba@db-prod-01 ~]$ '],
      [],
      [
        { name: 'hostname', value: 'db-prod-01' },
        { name: 'user', value: 'dba' },
      ],
    );
    expect(re).toBe('\\[${user}@${hostname} [^\\]]*\\]\\$ $');
    expect(
      matchesAtEnd('[root@db-9 ~]$ ', fill(re, { user: 'root', hostname: 'db-9' }, 'regex')),
    ).toBe(true);
    expect(
      matchesAtEnd('[root@db-9 ~]$ ', fill(re, { user: 'root', hostname: 'db-1' }, 'regex')),
    ).toBe(false);
  });

  it('property: the regex matches its samples at the end, and not a prompt of another host', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
    const cwd = fc.constantFrom('~', '/tmp', '~/src', '/var/log', 'x');
    const sigil = fc.constantFrom('$', '#', '%');
    fc.assert(
      fc.property(
        word,
        word,
        word,
        cwd,
        cwd,
        sigil,
        fc.boolean(),
        (user, host, other, c1, c2, s, bracket) => {
          fc.pre(host !== other && !host.includes(other) && !other.includes(host));
          const make = (h: string, c: string) =>
            bracket ? `[${user}@${h} ${c}]${s} ` : `${user}@${h}:${c}${s} `;
          const samples = [make(host, c1), make(host, c2)];
          const re = generalizePrompt(samples, [make(other, c1)]);
          for (const x of samples) expect(matchesAtEnd(x, re)).toBe(true);
          expect(matchesAtEnd(make(other, c1), re)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('prompt lines and shells', () => {
  it('takes the last line, two when the last is only a sigil', () => {
    expect(promptLineOf('banner\nOpt> ')).toBe('Opt> ');
    expect(promptLineOf('x\nroot@multiline ~\n# ')).toBe('root@multiline ~\n# ');
  });

  it('tells shell prompts from menu prompts', () => {
    const shells = [
      '[dba@db-prod-01 ~]$ ',
      'root@vm ~# ',
      'vm% ',
      'app@app-server:~$ ',
      'me@h ~> ',
      '/ # ',
    ];
    const menus = [
      'Opt> ',
      '[Host]> ',
      'ID> ',
      'OTP Code: ',
      '请输入资产ID：',
      'router01#',
      'Password: ',
      '[tcsh]> ',
    ];
    for (const p of shells) expect(isShellLike(p), p).toBe(true);
    for (const p of menus) expect(isShellLike(p), p).toBe(false);
  });
});
