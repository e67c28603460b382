// Re-entry's companions against the real-OpenSSH lab, through the MCP SDK's client: the opt-in
// idle_keepalive line that keeps bash's TMOUT from logging the KoKo asset out, and one-time codes
// used once per 30 s step when a drop makes the koko-mfa walk type a code again.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOTP_STEP_MS } from '../../src/secrets/totp.js';
import type { SentData } from '../../src/terminal/pty.js';
import { entryConnect, KOKO_ASSET_HOP, useOpenSshLab } from '../helpers/openssh.js';
import { connectClient, until } from '../mcp/helpers.js';

const fx = useOpenSshLab();
let dir: string;
let relay: Server;
let relayPort = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  relay = createServer((down) => {
    const up = tcpConnect(fx.lab.port, '127.0.0.1');
    for (const s of [down, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    down.pipe(up);
    up.pipe(down);
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const address = relay.address();
  relayPort = typeof address === 'object' && address ? address.port : 0;
  process.env.GW_REENTRY_TOTP_SEED = fx.lab.totpSeed;
  dir = mkdtempSync(join(tmpdir(), 'gatewalk-reentry-keep-'));
  const mfaConnect = entryConnect(fx.lab, 'koko-mfa').replace(
    `port: ${fx.lab.port}`,
    `port: ${relayPort}`,
  );
  writeFileSync(
    join(dir, 'keep.yaml'),
    `version: 1
profiles:
  idle-asset:
    connect: ${entryConnect(fx.lab, 'koko-idle')}
    timeout: 5s
    idle_keepalive: { send_text: '', every: 1s }
    on: [{ match: 'Press any key to continue', send_text: '' }]
    hops:
      - name: menu
        prompt: 'Opt> $'
        shell: none
        exit: q
${KOKO_ASSET_HOP}
  mfa-asset:
    connect: ${mfaConnect}
    timeout: 5s
    reconnect: { on: [drop] }
    on: [{ match: 'Press any key to continue', send_text: '' }]
    hops:
      - name: menu
        steps:
          - wait_for: 'OTP Code: $'
          - send_secret: { totp: { env: GW_REENTRY_TOTP_SEED } }
          - wait_for: [{ match: 'Invalid code', fail: 'code refused' }, { match: 'Opt> $' }]
        prompt: 'Opt> $'
        shell: none
        exit: q
${KOKO_ASSET_HOP}
`,
  );
}, 30_000);

afterAll(async () => {
  for (const s of sockets) s.resetAndDestroy();
  await new Promise<void>((r) => relay.close(() => r()));
  delete process.env.GW_REENTRY_TOTP_SEED;
  rmSync(dir, { recursive: true, force: true });
});

const text = (r: { content: unknown }) =>
  (r.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');

describe('idle_keepalive', () => {
  it('types its line while idle, so TMOUT (2 s) never logs the asset out', async () => {
    const c = await connectClient({ profileDirs: [dir], idleCloseMinutes: 0 });
    try {
      const { session_id: id } = await c.ok<{ session_id: string }>('open_session', {
        profile: 'idle-asset',
      });
      const pty = c.instance.manager.get(id).nav.pty;
      let shown = '';
      pty.onText((t) => (shown += t));
      // Three keepalive lines: over 3 s idle, past the asset's 2 s TMOUT.
      await new Promise<void>((resolve, reject) => {
        let lines = 0;
        const timer = setTimeout(
          () => reject(new Error('fewer than 3 keepalives in 10 s')),
          10_000,
        );
        pty.on('sent', (s: SentData) => {
          if (s.data !== '\r' || ++lines < 3) return;
          clearTimeout(timer);
          resolve();
        });
      });
      expect(shown).not.toContain('auto-logout');
      const r = await c.call('execute_command', { session_id: id, command: 'echo alive' });
      expect(r.structuredContent, text(r)).toMatchObject({ exit_code: 0, output: 'alive\n' });
      expect(text(r)).not.toMatch(/re-entered/);
    } finally {
      await c.close();
    }
  }, 30_000);
});

describe('one-time codes on a re-walk', () => {
  it('a drop in the step whose code was typed: the re-walk waits for the next step and says so', async () => {
    // Start early in a step, so the drop and the re-walk fall in the same step as the first code.
    const into = Date.now() % TOTP_STEP_MS;
    if (into > 10_000) await new Promise((r) => setTimeout(r, TOTP_STEP_MS - into + 100));
    const c = await connectClient({ profileDirs: [dir], idleCloseMinutes: 0 });
    try {
      const { session_id: id } = await c.ok<{ session_id: string }>('open_session', {
        profile: 'mfa-asset',
      });
      const firstStep = Math.floor(Date.now() / TOTP_STEP_MS);
      for (const s of sockets) s.resetAndDestroy();
      await until(
        () => c.instance.manager.get(id).state,
        (v) => v === 'broken',
      );
      const messages: string[] = [];
      const r = (await c.client.callTool(
        { name: 'execute_command', arguments: { session_id: id, command: 'echo again' } },
        undefined,
        { onprogress: (p) => messages.push(p.message ?? ''), timeout: 60_000 },
      )) as CallToolResult;
      expect(text(r).split('\n')[0]).toBe(
        're-entered after the connection dropped — commands that were running are lost',
      );
      expect(r.structuredContent).toMatchObject({ output: 'again\n' });
      expect(Math.floor(Date.now() / TOTP_STEP_MS)).toBeGreaterThan(firstStep);
      expect(messages.join('\n')).toMatch(
        /waiting \d+\.\d s for the next one-time code: this step's code was used already \(codes are single-use\)/,
      );
      expect(fx.lab.events().filter((e) => e.includes('mfa ok'))).toHaveLength(2);
      expect(fx.lab.events().some((e) => e.includes('mfa failed'))).toBe(false);
    } finally {
      await c.close();
    }
  }, 90_000);
});
