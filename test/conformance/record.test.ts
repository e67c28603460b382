// `gatewalk record` against real OpenSSH gateways: a person's walk typed on a scripted terminal
// (waiting for each screen, as a person reads it), stopped with Ctrl-] s; the draft must load,
// hold no secret, and walk unchanged with the real navigator. Issue 15: "the recorded draft of
// the JumpServer-style menu walks unchanged".
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INNER_PROMPTS, PROMPTS, totp, type EntryName } from '../../lab/openssh/sshd.js';
import type { CliIo } from '../../src/cli/io.js';
import { runRecordCommand } from '../../src/cli/record-command.js';
import { closeSession, openSession } from '../../src/navigator/session.js';
import { loadProfiles } from '../../src/profiles/registry.js';
import { ShellExecutor } from '../../src/shell/executor.js';
import { collectingIo } from '../helpers/io.js';
import { useOpenSshLab } from '../helpers/openssh.js';
import { scriptedTerminal, type ScriptedTerminal } from '../helpers/terminal.js';

const fx = useOpenSshLab();
const dir = mkdtempSync(join(tmpdir(), 'gatewalk-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const re = (source: string) => new RegExp(source);

/** Starts `gatewalk record NAME --connect ... entry` on a scripted terminal. */
function record(name: string, entry: EntryName, extra: string[], io: Partial<CliIo> = {}) {
  const term = scriptedTerminal({ cols: 200, rows: 50 });
  const c = collectingIo(dir);
  const file = join(dir, `${name}.draft.yaml`);
  const args = [
    name,
    '--connect',
    `${fx.lab.user}@127.0.0.1:${fx.lab.port}`,
    '-i',
    fx.lab.key(entry),
    '--known-hosts',
    fx.lab.knownHosts,
    '--profiles',
    dir,
    '-o',
    file,
    ...extra,
  ];
  const done = runRecordCommand(args, { ...c.io, terminal: term, ...io });
  return { term, done, file, out: c.out, err: c.err };
}

/** The draft walked as written, a command run at its last hop, every hop left. */
async function walkDraft(file: string, name: string, env: Record<string, string>, command: string) {
  const { registry, errors } = loadProfiles([file]);
  expect(errors).toEqual([]);
  const secrets = { env };
  const session = await openSession(registry.resolve(name), {
    lookup: (n) => registry.resolveVia(n),
    secrets,
  });
  try {
    return await new ShellExecutor(session, { secrets }).execute(command);
  } finally {
    await closeSession(session, { secrets });
  }
}

/** A person's pace through KoKo: list, next page, pick db-prod-01 (7), account dba, a command. */
async function kokoWalk(term: ScriptedTerminal) {
  await term.expect(re(PROMPTS.koko));
  await term.type('p\r');
  await term.expect(re(INNER_PROMPTS.kokoHost));
  await term.type('n\r');
  await term.expect(/Page: 2[^]*\[Host\]> $/);
  await term.type('7\r');
  await term.expect(re(INNER_PROMPTS.kokoAccount));
  await term.type('dba\r');
  await term.expect(re(INNER_PROMPTS.kokoAsset));
  await term.type('ls /\r');
  await term.expect(/etc[^]*\]\$ $/);
}

describe('gatewalk record on the real-OpenSSH lab', () => {
  let mfaDraft = '';

  it('koko-mfa: a JumpServer-style walk with a one-time code, paging and a pick is recorded into a draft that holds no code and walks unchanged', async () => {
    const r = record('koko-db', 'koko-mfa', [
      '--yes',
      '--secret-env',
      'KOKO_TOTP_SEED',
      '--no-check',
    ]);
    await r.term.expect(re(INNER_PROMPTS.kokoOtp));
    const code = totp(fx.lab.totpSeed);
    await r.term.type(`${code}\r`);
    await kokoWalk(r.term);
    r.term.send('\x1ds');
    expect(await r.done, r.err.join('\n')).toBe(0);
    const text = readFileSync(r.file, 'utf8');
    mfaDraft = text;
    expect(text).not.toContain(code);
    expect(text).toMatch(/totp: \{ env: KOKO_TOTP_SEED \}|totp:\s*\n\s*env: KOKO_TOTP_SEED/);
    expect(text).toContain('db-prod-01');
    expect(text).toMatch(/next_page/);
    // Printed as written, and it loads with no error.
    expect(r.out.join('')).toContain(text.trim());
    expect(loadProfiles([r.file]).errors).toEqual([]);
    // Walks unchanged: the real navigator, the seed in the environment, to the asset's bash.
    const before = fx.lab.events().length;
    const w = await walkDraft(
      r.file,
      'koko-db',
      { KOKO_TOTP_SEED: fx.lab.totpSeed },
      'id -un; hostname',
    );
    expect(w).toMatchObject({ status: 'done', exit_code: 0 });
    expect(fx.lab.events().slice(before)).toEqual(
      expect.arrayContaining([
        'koko: mfa ok',
        'koko: lookup 7',
        'koko: connect db-prod-01 as dba',
        // Left by the draft's exit.
        'koko: disconnect db-prod-01 (exit 0)',
      ]),
    );
  }, 60_000);

  it('koko with --yes: the draft is written, then walked at once (the offered check) and left', async () => {
    const r = record('koko-db-plain', 'koko', ['--yes']);
    await kokoWalk(r.term);
    r.term.send('\x1ds');
    const code = await r.done;
    const err = r.err.join('\n');
    expect(code, err).toBe(0);
    expect(err).toMatch(/wrote [^\n]*koko-db-plain\.draft\.yaml \(0 secret/);
    expect(err).toMatch(/koko-db-plain walks: 2 hop\(s\)[^\n]*its shell runs commands/);
    expect(readFileSync(r.file, 'utf8')).not.toMatch(/send_secret|totp/);
  }, 60_000);

  it('columns: a pick in a bash select menu laid out in columns becomes a select by label that walks', async () => {
    const r = record('node', 'columns', ['--yes', '--no-check']);
    await r.term.expect(re(PROMPTS.columns));
    await r.term.type('17\r');
    await r.term.expect(re(INNER_PROMPTS.columnsHost));
    r.term.send('\x1ds');
    expect(await r.done, r.err.join('\n')).toBe(0);
    const text = readFileSync(r.file, 'utf8');
    expect(text).toContain('node-17');
    expect(text).toMatch(/select:/);
    const w = await walkDraft(r.file, 'node', {}, 'hostname; echo "$PS1"');
    expect(w).toMatchObject({ status: 'done', exit_code: 0 });
    expect(w.output).toContain('node-17');
  }, 60_000);

  it('cjk: a page turn and a pick in a Chinese menu (full-width prompt, wide labels) is recorded and walks', async () => {
    const r = record('cjk-host', 'cjk', ['--yes', '--no-check']);
    await r.term.expect(re(PROMPTS.cjk));
    await r.term.type('n\r');
    await r.term.expect(/2\/2 页.*\n请输入资产ID：$/);
    await r.term.type('7\r');
    await r.term.expect(re(INNER_PROMPTS.cjkHost));
    await r.term.type('cd /tmp\r');
    await r.term.expect(/\[ops@cjk-7 tmp\]\$ $/);
    r.term.send('\x1ds');
    expect(await r.done, r.err.join('\n')).toBe(0);
    const text = readFileSync(r.file, 'utf8');
    expect(text).toContain('请输入资产ID：');
    expect(text).toMatch(/item: '\^应用服务器-05\$'/);
    expect(text).toContain('next_page: { send_text: n }');
    const w = await walkDraft(r.file, 'cjk-host', {}, 'echo "$PS1"');
    expect(w).toMatchObject({ status: 'done', exit_code: 0 });
    expect(w.output).toContain('cjk-7');
  }, 60_000);

  it('record --check walks the draft at once: asks the missing seed with echo off, waits out the 30 s step of the code typed, leaves', async () => {
    expect(mfaDraft).not.toBe('');
    const file = join(dir, 'koko-db.draft.yaml');
    const c = collectingIo(dir);
    const asked: string[] = [];
    const waited: number[] = [];
    const code = await runRecordCommand(
      ['koko-db', '--check', '-o', file, '--profiles', dir],
      {
        ...c.io,
        askSecret: async (prompt) => {
          asked.push(prompt);
          return fx.lab.totpSeed;
        },
      },
      // The code was typed when the file was written: this is the same 30 s step.
      {
        now: () => statSync(file).mtimeMs,
        sleep: async (ms) => {
          waited.push(ms);
        },
      },
    );
    const err = c.err.join('\n');
    expect(code, err).toBe(0);
    expect(asked).toEqual([expect.stringMatching(/^KOKO_TOTP_SEED \(the base32 TOTP seed/)]);
    expect(waited).toHaveLength(1);
    expect(waited[0]).toBeGreaterThan(0);
    expect(waited[0]).toBeLessThanOrEqual(30_000);
    expect(err).toMatch(
      /one-time code typed while recording is spent \(RFC 6238 §5\.2\): waiting \d+ s/,
    );
    expect(err).toMatch(/\[1\/\d\]/);
    expect(err).toMatch(/koko-db walks/);
    expect(err).not.toContain(fx.lab.totpSeed);
  }, 60_000);
});
