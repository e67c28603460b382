// Recordings of the real-OpenSSH lab's menus and shells (real sshd, real PTY, keys typed one by
// one), analysed into drafts that must load with the project's loader, hold no secret value,
// and walk unchanged with the real navigator.
import { describe, expect, it } from 'vitest';
import { connectEntry } from '../../lab/openssh/client.js';
import {
  INNER_PROMPTS,
  PROMPTS,
  totp,
  type EntryName,
  type OpenSshLab,
} from '../../lab/openssh/sshd.js';
import { matchesAtEnd } from '../../src/navigator/matcher.js';
import { closeSession, openSession } from '../../src/navigator/session.js';
import { analyse } from '../../src/record/analyse.js';
import type { Draft, RecordInfo } from '../../src/record/types.js';
import { ShellExecutor } from '../../src/shell/executor.js';
import { useOpenSshLab } from '../helpers/openssh.js';
import { loadFromTexts } from '../helpers/profiles.js';
import { record, type Recording } from './recorder.js';

const fx = useOpenSshLab();
const SIZE = { cols: 120, rows: 30 };

function infoFor(lab: OpenSshLab, entry: EntryName, name: string, r: Recording | null): RecordInfo {
  return {
    name,
    connect: {
      host: '127.0.0.1',
      port: lab.port,
      user: lab.user,
      private_key: { file: lab.key(entry) },
      host_key: { fingerprint: lab.fingerprint },
    },
    extends: null,
    terminal: SIZE,
    final: r ? r.snapshot() : null,
    lastShell: r ? { kind: 'posix', name: 'bash' } : null,
    recordedAt: '2026-12-01T12:00:00.000Z',
  };
}

async function start(entry: EntryName): Promise<Recording> {
  return record(await connectEntry(fx.lab, entry), SIZE);
}

/** Loads the rendered draft with the repo's loader: no errors, and the profile resolves. */
function load(draft: Draft, name: string, names?: Record<string, string>) {
  const text = draft.render(names);
  const { registry, errors } = loadFromTexts({ 'draft.yaml': text });
  expect(errors.map((e) => e.message)).toEqual([]);
  return { text, registry, profile: registry.resolve(name) };
}

/** Walks the draft with the navigator to its last hop, runs a command there, leaves. */
async function walkDraft(
  registry: ReturnType<typeof load>['registry'],
  name: string,
  env: Record<string, string>,
) {
  const secrets = { env };
  const session = await openSession(registry.resolve(name), {
    lookup: (n) => registry.resolveVia(n),
    secrets,
  });
  try {
    return await new ShellExecutor(session, { secrets }).execute(
      'echo "at:$(hostname -s 2>/dev/null || true) $PS1"',
    );
  } finally {
    await closeSession(session, { secrets });
  }
}

describe('record analysis of real lab recordings', () => {
  it('koko-mfa: OTP, a page turn and a host picked by number become totp + select by label; the draft walks unchanged', async () => {
    const r = await start('koko-mfa');
    const code = totp(fx.lab.totpSeed);
    await r.until(/OTP Code: $/);
    r.type(`${code}\r`);
    await r.until(/Opt> $/);
    r.type('p\r');
    await r.until(/\[Host\]> $/);
    r.type('n\r');
    await r.until(/Total Page.*\n.*\n\[Host\]> $/);
    r.type('7\r');
    await r.until(/ID> $/);
    r.type('dba\r');
    await r.until(new RegExp(INNER_PROMPTS.kokoAsset));
    r.type('ls\r');
    await r.until(new RegExp(INNER_PROMPTS.kokoAsset));
    const info = infoFor(fx.lab, 'koko-mfa', 'koko-db', r);
    r.close();
    const draft = analyse(r.events, info);

    expect(draft.secrets).toEqual([
      expect.objectContaining({
        kind: 'code',
        prompt: 'OTP Code: ',
        suggested: 'KOKO_DB_MENU_TOTP_SEED',
      }),
    ]);
    const { text, profile } = load(draft, 'koko-db', { secret0: 'KOKO_TOTP_SEED' });
    expect(text).not.toContain(code);
    expect(text).toContain('{ totp: { env: KOKO_TOTP_SEED } }');
    expect(text).toContain('KOKO_TOTP_SEED holds the base32 TOTP seed, not a code');
    expect(text).toContain("item: '^${hostname}$'");
    expect(text).toContain("line: '^\\s*(?<key>\\d+)\\s*\\|\\s*(?<label>[^|]+?)\\s*(?:\\||$)'");
    expect(text).toContain('next_page: { send_text: n }');
    expect(profile.hops.map((h) => [h.name, h.shell, h.exit])).toEqual([
      ['menu', 'none', 'q'],
      ['db-prod-01', 'posix', 'exit'],
    ]);
    expect(profile.hops[0]?.prompt).toBe('Opt> $');
    expect(profile.params).toMatchObject({
      hostname: { default: 'db-prod-01' },
      user: { default: 'dba' },
    });
    expect(profile.terminal).toMatchObject(SIZE);

    // The done-when of issue 15: the recorded draft of the JumpServer-style menu walks unchanged.
    const before = fx.lab.events().length;
    const result = await walkDraft(
      load(draft, 'koko-db', { secret0: 'KOKO_TOTP_SEED' }).registry,
      'koko-db',
      {
        KOKO_TOTP_SEED: fx.lab.totpSeed,
      },
    );
    expect(result).toMatchObject({ status: 'done', exit_code: 0 });
    expect(result.output).toContain('[dba@db-prod-01');
    expect(fx.lab.events().slice(before)).toEqual(
      expect.arrayContaining(['koko: mfa ok', 'koko: connect db-prod-01 as dba']),
    );
  }, 60_000);

  it('koko: the person left (exit, a key at "Press any key", q): observed exits and an on handler; the draft leaves the same way', async () => {
    const r = await start('koko');
    await r.until(/Opt> $/);
    r.type('db-prod-02\r');
    await r.until(/ID> $/);
    r.type('2\r');
    await r.until(/\$ $/);
    r.type('exit\r');
    await r.until(/Press any key to continue\.\.\.$/);
    r.key('x');
    await r.until(/Opt> $/);
    r.type('q\r');
    await new Promise<void>((done) => (r.pty.closed ? done() : r.pty.once('close', () => done())));
    const draft = analyse(r.events, infoFor(fx.lab, 'koko', 'koko-left', null));
    const { text, profile, registry } = load(draft, 'koko-left');
    expect(draft.secrets).toEqual([]);
    expect(profile.hops.map((h) => [h.name, h.shell, h.exit])).toEqual([
      ['menu', 'none', 'q'],
      ['db-prod-02', 'posix', 'exit'],
    ]);
    expect(text).toContain('exit: q # you left with q');
    expect(text).toContain('exit: exit # you left with exit');
    expect(text).toContain('shell: posix # inferred from the prompt');
    expect(profile.on.map((h) => [h.match, h.action])).toEqual([
      ['Press any key to continue\\.\\.\\.\\s*$', { kind: 'send_text', text: '' }],
    ]);
    // ID> 2 picked a row of the account table (`  2  | root`): a select by label.
    expect(text).toContain("item: '^${username}$'");
    const before = fx.lab.events().length;
    const result = await walkDraft(registry, 'koko-left', {});
    expect(result).toMatchObject({ status: 'done', exit_code: 0 });
    expect(result.output).toContain('[root@db-prod-02');
    const events = fx.lab.events().slice(before);
    const order = ['koko: connect db-prod-02 as root', 'koko: key pressed', 'koko: quit'];
    expect(
      order
        .map((e) => events.indexOf(e))
        .every((k, i, all) => k >= 0 && (i === 0 || k > (all[i - 1] ?? 0))),
    ).toBe(true);
  }, 60_000);

  it('columns: a number picked from a bash select menu in columns becomes a select by label', async () => {
    const r = await start('columns');
    await r.until(/quits\): $/);
    r.type('17\r');
    await r.until(new RegExp(INNER_PROMPTS.columnsHost));
    const draft = analyse(r.events, infoFor(fx.lab, 'columns', 'cols', r));
    r.close();
    const { text, registry } = load(draft, 'cols');
    expect(draft.profile.hops?.map((h) => [h.name, h.prompt, h.shell, h.exit])).toEqual([
      ['menu', 'Select a host \\(q quits\\): $', 'none', 'q'],
      ['node-17', '\\[ops@${host} [^\\]]*\\]\\$ $', 'posix', 'exit'],
    ]);
    expect(text).toContain("line: '(?<key>\\d+)\\) (?<label>[A-Za-z0-9._-]+)'");
    expect(text).toContain("item: '^${host}$'");
    const result = await walkDraft(registry, 'cols', {});
    expect(result).toMatchObject({ status: 'done', exit_code: 0 });
    expect(result.output).toContain('[ops@node-17');
  }, 60_000);

  it('cjk: a page turn (n) and a number on page 2 of a Chinese menu', async () => {
    const r = await start('cjk');
    await r.until(/ID：$/);
    r.type('n\r');
    await r.until(/2\/2 页.*\n请输入资产ID：$/);
    r.type('7\r');
    await r.until(new RegExp(INNER_PROMPTS.cjkHost));
    const draft = analyse(r.events, infoFor(fx.lab, 'cjk', 'cjk-host', r));
    r.close();
    const { text, profile, registry } = load(draft, 'cjk-host');
    expect(profile.hops[0]?.prompt).toBe('请输入资产ID：$');
    expect(text).toContain("item: '^应用服务器-05$'");
    expect(text).toContain('next_page: { send_text: n }');
    expect(profile.hops[0]?.exit).toBe('q');
    const before = fx.lab.events().length;
    const result = await walkDraft(registry, 'cjk-host', {});
    expect(result).toMatchObject({ status: 'done', exit_code: 0 });
    expect(fx.lab.events().slice(before)).toContain('cjk: connect cjk-7');
  }, 60_000);

  it('master: cd at a shell (kept commented out), kubectl exec into a pod, Ctrl-D and exit observed', async () => {
    const r = await start('master');
    await r.until(/master ~\]. $/);
    r.type('cd /tmp\r');
    await r.until(/master tmp\]. $/);
    r.type('kubectl exec -it bash-pod -- bash\r');
    await r.until(new RegExp(INNER_PROMPTS.bashPod));
    r.type('id\r');
    await r.until(new RegExp(INNER_PROMPTS.bashPod));
    r.key('\x04');
    await r.until(/master tmp\]. $/);
    r.type('exit\r');
    await new Promise<void>((done) => (r.pty.closed ? done() : r.pty.once('close', () => done())));
    const draft = analyse(r.events, infoFor(fx.lab, 'master', 'pod', null));
    const { text, profile, registry } = load(draft, 'pod');
    expect(profile.hops.map((h) => [h.name, h.shell, h.exit])).toEqual([
      ['master', 'posix', 'exit'],
      ['pod', 'posix', 'exit'],
    ]);
    expect(draft.profile.hops?.[0]?.prompt).toBe('\\[root@master [^\\]]*\\]\\$ $');
    expect(draft.profile.hops?.[1]?.prompt).toBe('\\[pod:${pod} [^\\]]*\\]\\$ $');
    expect(text).toContain('# - send_text: cd /tmp');
    expect(text).toContain('send_text: "kubectl exec -it ${pod} -- bash"');
    expect(text).toContain('exit: exit # you left with Ctrl-D');
    expect(text).toContain('exit: exit # you left with exit');
    const result = await walkDraft(registry, 'pod', {});
    expect(result).toMatchObject({ status: 'done', exit_code: 0 });
    expect(result.output).toContain('[pod:bash-pod');
  }, 60_000);

  it('netcli: a password typed without echo becomes send_secret { env }, never its value', async () => {
    const r = await start('netcli');
    await r.until(/router01>$/);
    r.type('enable\r');
    await r.until(/Password: $/);
    r.type('lab\r');
    await r.until(/router01#$/);
    const info = {
      ...infoFor(fx.lab, 'netcli', 'router', r),
      lastShell: { kind: 'none' as const, name: 'not a shell' },
    };
    r.close();
    const draft = analyse(r.events, info);
    expect(draft.secrets).toEqual([
      expect.objectContaining({
        kind: 'password',
        prompt: 'Password: ',
        suggested: 'ROUTER_ROUTER01_PASSWORD',
      }),
    ]);
    const { text, profile, registry } = load(draft, 'router', { secret0: 'ENABLE_PASSWORD' });
    expect(text).not.toMatch(/\blab\b/);
    expect(text).toContain('- { send_secret: { env: ENABLE_PASSWORD } }');
    expect(profile.hops.map((h) => [h.prompt, h.shell])).toEqual([
      ['router01>$', 'none'],
      ['router01#$', 'none'],
    ]);
    const session = await openSession(registry.resolve('router'), {
      lookup: (n) => registry.resolveVia(n),
      secrets: { env: { ENABLE_PASSWORD: 'lab' } },
    });
    try {
      expect(session.at).toBe(1);
      expect(session.pty.screen.beforeCursor(1)).toBe('router01#');
    } finally {
      await closeSession(session);
    }
  }, 60_000);

  for (const entry of ['bash', 'bash-multiline', 'ash', 'zsh-themed', 'fish'] as const) {
    it(`${entry}: a shell hop with the folder in its prompt: generalised, so it walks from any folder`, async () => {
      const r = await start(entry);
      await r.until(new RegExp(`${PROMPTS[entry].replace(/\$$/, '')}$`));
      const home = r.snapshot().before;
      r.type('cd /tmp\r');
      await r.until(/tmp[^\n]*(?:\n)?[#$>] (?:\[\d+\])?$/);
      const info = {
        ...infoFor(fx.lab, entry, 'sh', r),
        lastShell: { kind: entry === 'fish' ? ('fish' as const) : ('posix' as const), name: entry },
      };
      r.close();
      const draft = analyse(r.events, info);
      const { registry } = load(draft, 'sh');
      const hop = draft.profile.hops?.[0];
      expect(draft.profile.hops).toHaveLength(1);
      expect(hop).toMatchObject({ shell: 'posix', exit: 'exit' });
      const prompt = hop?.prompt ?? '';
      expect(prompt).not.toMatch(/tmp/);
      expect(matchesAtEnd(home, prompt)).toBe(true);
      expect(matchesAtEnd(info.final?.before ?? '', prompt)).toBe(true);
      const result = await walkDraft(registry, 'sh', {});
      expect(result).toMatchObject({ status: 'done', exit_code: 0 });
    }, 60_000);
  }
});
