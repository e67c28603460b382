import { describe, expect, it } from 'vitest';
import { analyse } from '../../src/record/analyse.js';
import type { RecordInfo } from '../../src/record/types.js';
import { loadFromTexts } from '../helpers/profiles.js';
import { Script } from './script.js';

function info(s: Script | null, extra: Partial<RecordInfo> = {}): RecordInfo {
  return {
    name: 'gw',
    connect: { host: 'gw.example.com', user: 'alice', host_key: { known_hosts: '/dev/null' } },
    extends: null,
    terminal: { cols: 100, rows: 30 },
    final: s ? s.snapshot() : null,
    lastShell: s ? { kind: 'posix', name: 'bash' } : null,
    recordedAt: '2026-12-01T12:00:00.000Z',
    ...extra,
  };
}

function loads(text: string) {
  const { errors, registry } = loadFromTexts({ 'gw.yaml': text });
  expect(errors.map((e) => e.message)).toEqual([]);
  return registry;
}

describe('analyse (synthetic recordings)', () => {
  it('keyboard-interactive: a password becomes connect.password, a code an on handler with totp', () => {
    const s = new Script()
      .auth('Password: ', false)
      .auth('Verification code: ', false)
      .out('[alice@gw ~]$ ');
    const draft = analyse(s.events, info(s));
    expect(draft.secrets.map((x) => [x.kind, x.prompt, x.suggested])).toEqual([
      ['password', 'Password: ', 'GW_CONNECT_PASSWORD'],
      ['code', 'Verification code: ', 'GW_CONNECT_TOTP_SEED'],
    ]);
    const text = draft.render({ secret0: 'GW_PW', secret1: 'GW_SEED' });
    loads(text);
    expect(draft.profile.connect?.password).toEqual({ env: 'GW_CONNECT_PASSWORD' });
    expect(text).toMatch(/password:\s+env: GW_PW\n/);
    expect(text).toContain("match: 'Verification code:\\s*$'");
    expect(text).toContain('GW_SEED holds the base32 TOTP seed, not a code');
    expect(text).not.toContain('secret0');
  });

  it('a refused code and a retry: one send_secret, the last answer; no digits in the draft', () => {
    const s = new Script()
      .out('OTP Code: ')
      .line('111111', 'off')
      .out('Invalid code, try again\nOTP Code: ');
    s.line('222222', 'off').out('Welcome\nOpt> ');
    const draft = analyse(s.events, { ...info(s), lastShell: { kind: 'none', name: 'a menu' } });
    const text = draft.render();
    loads(text);
    expect(draft.secrets).toHaveLength(1);
    expect(text).not.toMatch(/111111|222222/);
    expect(draft.profile.hops).toEqual([
      {
        name: 'menu',
        steps: [
          {
            wait_for: [
              {
                match: 'OTP Code: $',
                then: [{ send_secret: { totp: { env: 'GW_MENU_TOTP_SEED' } } }],
              },
              { match: 'Opt> $' },
            ],
          },
        ],
        prompt: 'Opt> $',
        shell: 'none',
      },
    ]);
    expect(text).toContain(
      'shell: none # a menu: gatewalk cannot run commands here; no way out seen',
    );
  });

  it('Ctrl-] m makes a menu prompt a hop of its own', () => {
    const s = new Script().out('Opt> ').line('p').out('  1 | a |\n  2 | b |\n[Host]> ').mark('hop');
    s.line('2').out('[u@b ~]$ ');
    const plain = analyse(
      s.events.filter((e) => e.kind !== 'mark'),
      info(s),
    );
    const marked = analyse(s.events, info(s));
    expect(plain.profile.hops?.map((h) => h.name)).toEqual(['menu', 'b']);
    expect(marked.profile.hops?.map((h) => h.prompt)).toEqual([
      'Opt> $',
      '\\[Host\\]> $',
      '\\[u@b [^\\]]*\\]\\$ $',
    ]);
    loads(marked.render());
  });

  it('--extends: no connect, extends the profile; the person left the only hop with q', () => {
    const s = new Script().out('Menu> ').line('q').out('bye\n').close();
    const draft = analyse(s.events, info(null, { connect: null, extends: 'base' }));
    expect(draft.profile).toMatchObject({
      extends: 'base',
      hops: [{ name: 'menu', prompt: 'Menu> $', shell: 'none', exit: 'q' }],
    });
    expect(draft.profile.connect).toBeUndefined();
    expect(draft.render()).toContain('exit: q # you left with q');
  });
});
