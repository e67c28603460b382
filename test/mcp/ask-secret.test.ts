// `send_secret: { ask }` over MCP, with the SDK's real client: the walk reaches the lab's OTP
// gate, the server asks the person through a viewer page (URL elicitation, or the URL in the
// error for clients without it), the test posts the code as the person would, the walk goes on.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  CallToolResultSchema,
  ElicitationCompleteNotificationSchema,
  ElicitRequestSchema,
  type CallToolResult,
  type ElicitRequestURLParams,
  type ElicitResult,
  UrlElicitationRequiredError,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { ALL_CAPS } from '../../src/mcp/caps.js';
import { startInstance, type Instance } from '../../src/mcp/instance.js';
import { totp } from '../../src/secrets/totp.js';
import { labOnFreePort } from '../helpers/lab.js';
import { otpGateProfile } from '../helpers/nav.js';

const SEED = 'JBSWY3DPEHPK3PXP';
let lab: Lab;
let profileDir: string;

beforeAll(async () => {
  // One attempt: only the right code passes the gate, so reaching the menu proves it was typed.
  lab = await labOnFreePort({ faults: { otp: { seed: SEED, attempts: 1 } } });
  profileDir = mkdtempSync(join(tmpdir(), 'gatewalk-ask-'));
  const profile = (name: string, ask: string) => otpGateProfile(lab, name, ask);
  writeFileSync(
    join(profileDir, 'ask.yaml'),
    `version: 1\nprofiles:\n${profile('otp-asked', "{ ask: { label: 'OTP from your token', timeout: 20s } }")}${profile('otp-hurried', '{ ask: { timeout: 1s } }')}`,
  );
});

afterAll(async () => {
  await lab?.close();
  rmSync(profileDir, { recursive: true, force: true });
});

interface Harness {
  client: Client;
  instance: Instance;
  logs: string[];
  root: string;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** A client (declaring URL elicitation or not) of an instance with (or without) its viewer. */
async function harness(options: { urlElicitation: boolean; viewer?: boolean }): Promise<Harness> {
  const root = mkdtempSync(join(tmpdir(), 'gatewalk-ask-mcp-'));
  const logs: string[] = [];
  const instance = startInstance({
    profileDirs: [profileDir],
    runtimeRoot: root,
    watchProfiles: false,
    caps: ALL_CAPS,
    log: (line) => logs.push(line),
  });
  if (options.viewer !== false) await instance.startViewer(0);
  const client = new Client(
    { name: 'gatewalk-ask-test', version: '1.0.0' },
    { capabilities: options.urlElicitation ? { elicitation: { url: {} } } : {} },
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await instance.newServer().connect(serverSide);
  await client.connect(clientSide);
  return {
    client,
    instance,
    logs,
    root,
    call: (name, args = {}) =>
      client.callTool({ name, arguments: args }) as Promise<CallToolResult>,
    close: async () => {
      await client.close();
      await instance.shutdown('test over');
      rmSync(root, { recursive: true, force: true });
    },
  };
}

const text = (r: CallToolResult) =>
  r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

/**
 * What a person's browser does with an ask URL: opens it (the token becomes a cookie), reads
 * the page, and posts the form from that page.
 */
async function person(url: string, value: string | null): Promise<{ page: string; sent: string }> {
  const first = await fetch(url, { redirect: 'manual' });
  expect(first.status).toBe(303);
  const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const target = new URL(first.headers.get('location') ?? '', url).href;
  const page = await (await fetch(target, { headers: { cookie } })).text();
  if (value === null) return { page, sent: '' };
  const posted = await fetch(target, {
    method: 'POST',
    headers: {
      cookie,
      origin: new URL(url).origin,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ value }).toString(),
  });
  return { page, sent: await posted.text() };
}

/** The code valid now, in a window that will not turn over within the next few seconds. */
async function freshCode(): Promise<string> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < 6000) await new Promise((r) => setTimeout(r, left + 100));
  return totp(SEED);
}

/** Everything the server wrote: its log lines and every file in its runtime folder. */
function everythingWritten(h: Harness): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(readFileSync(p, 'utf8'));
    }
  };
  walk(h.root);
  return [...h.logs, ...files].join('\n');
}

const standalone = (code: string) => new RegExp(`(?<!\\d)${code}(?!\\d)`);

describe('a secret asked from a person over MCP', () => {
  it('asks a client with URL elicitation for the viewer page; the posted code is typed and shown nowhere', async () => {
    const h = await harness({ urlElicitation: true });
    try {
      const asked: ElicitRequestURLParams[] = [];
      const completed: string[] = [];
      let code = '';
      let pages: Promise<{ page: string; sent: string }> | undefined;
      h.client.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => {
        completed.push(n.params.elicitationId);
      });
      h.client.setRequestHandler(ElicitRequestSchema, async (req): Promise<ElicitResult> => {
        const params = req.params as ElicitRequestURLParams;
        asked.push(params);
        // The client shows the URL; the person opens it and types the code from their token.
        pages = freshCode().then((c) => person(params.url, (code = c)));
        return { action: 'accept' };
      });
      const r = await h.call('open_session', { profile: 'otp-asked' });
      expect(r.isError, text(r)).toBeFalsy();
      expect((r.structuredContent as { prompt: string }).prompt).toBe('Target IP: ');
      expect(asked).toHaveLength(1);
      const params = asked[0] as ElicitRequestURLParams;
      expect(params.mode).toBe('url');
      expect(params.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ask\/[\w-]{22}\?token=[\w-]+$/);
      expect(params.url).toContain(`/ask/${params.elicitationId}?`);
      expect(params.message).toContain('OTP from your token');
      const { page, sent } = await (pages as Promise<{ page: string; sent: string }>);
      expect(page).toContain('OTP from your token');
      expect(page).toMatch(/profile &#34;otp-asked&#34;, hop &#34;menu&#34;, step 2/);
      expect(page).toContain('type="password"');
      expect(sent).toContain('You can close this tab');
      expect(completed).toEqual([params.elicitationId]);
      // Used once: the page now says so, and a second post is refused.
      const again = await person(params.url, code);
      expect(again.page).toContain('Already sent');
      expect(again.sent).toContain('Already sent');
      // The code is in no result, transcript or log.
      const transcript = await h.call('get_transcript', {});
      expect(JSON.stringify([r, transcript])).not.toMatch(standalone(code));
      expect(everythingWritten(h)).not.toMatch(standalone(code));
      expect(JSON.stringify(transcript)).toContain('[secret]');
    } finally {
      await h.close();
    }
  }, 30_000);

  it('in an MCP task, the task waits for input while the person is asked, then completes', async () => {
    const h = await harness({ urlElicitation: true });
    try {
      const statuses: string[] = [];
      h.client.setRequestHandler(ElicitRequestSchema, async (req): Promise<ElicitResult> => {
        const params = req.params as ElicitRequestURLParams;
        // While the page is open, the task says it waits for the person.
        const tasks = await h.client.experimental.tasks.listTasks();
        statuses.push(...tasks.tasks.map((t) => `${t.status}: ${t.statusMessage ?? ''}`));
        void freshCode().then((c) => person(params.url, c));
        return { action: 'accept' };
      });
      let result: CallToolResult | undefined;
      const seen: string[] = [];
      for await (const m of h.client.experimental.tasks.callToolStream(
        { name: 'open_session', arguments: { profile: 'otp-asked' } },
        CallToolResultSchema,
        { task: { ttl: 60_000 } },
      )) {
        if (m.type === 'taskCreated' || m.type === 'taskStatus') seen.push(m.task.status);
        if (m.type === 'result') result = m.result as CallToolResult;
        if (m.type === 'error') {
          const id = (await h.client.experimental.tasks.listTasks()).tasks[0]?.taskId ?? '';
          throw new Error(
            `${m.error.message}: ${(await h.client.experimental.tasks.getTask(id)).statusMessage}`,
          );
        }
      }
      expect(seen[0]).toBe('working');
      expect(statuses.join('\n')).toMatch(
        /^input_required: waiting for the person to enter OTP from your token on http:\/\/127\.0\.0\.1/m,
      );
      expect(result?.isError, result && text(result)).toBeFalsy();
      expect((result?.structuredContent as { prompt: string }).prompt).toBe('Target IP: ');
    } finally {
      await h.close();
    }
  }, 30_000);

  it('answers a client without URL elicitation with -32042 and the URL; the retry after entering it succeeds, once', async () => {
    const h = await harness({ urlElicitation: false });
    try {
      const err = await h.call('open_session', { profile: 'otp-asked' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UrlElicitationRequiredError);
      const required = err as UrlElicitationRequiredError;
      expect(required.code).toBe(-32042);
      expect(required.elicitations).toHaveLength(1);
      const elicitation = required.elicitations[0] as ElicitRequestURLParams;
      expect(elicitation.mode).toBe('url');
      expect(elicitation.url).toMatch(
        new RegExp(
          `^http://127\\.0\\.0\\.1:\\d+/ask/${elicitation.elicitationId}\\?token=[\\w-]+$`,
        ),
      );
      expect(elicitation.message).toContain('OTP from your token');
      // The text alone is enough for a client that only shows it.
      expect(required.message).toContain(elicitation.url);
      expect(required.message).toContain(
        'then call open_session again with the same arguments within 5 min',
      );
      // The failed walk left no session open.
      expect(h.instance.manager.list().filter((s) => s.state !== 'closed')).toEqual([]);
      const code = await freshCode();
      const { sent } = await person(elicitation.url, code);
      expect(sent).toContain('You can close this tab');
      const retried = await h.call('open_session', { profile: 'otp-asked' });
      expect(retried.isError, text(retried)).toBeFalsy();
      expect((retried.structuredContent as { prompt: string }).prompt).toBe('Target IP: ');
      expect(JSON.stringify(retried)).not.toMatch(standalone(code));
      expect(everythingWritten(h)).not.toMatch(standalone(code));
      // The value was used once: the next open asks again, at a new address.
      const third = await h.call('open_session', { profile: 'otp-asked' }).catch((e: unknown) => e);
      expect(third).toBeInstanceOf(UrlElicitationRequiredError);
      const next = (third as UrlElicitationRequiredError).elicitations[0] as ElicitRequestURLParams;
      expect(next.url).not.toBe(elicitation.url);
    } finally {
      await h.close();
    }
  }, 30_000);

  it('asks again when reopen walks the path again on a new connection', async () => {
    const h = await harness({ urlElicitation: true });
    try {
      const urls: string[] = [];
      h.client.setRequestHandler(ElicitRequestSchema, async (req): Promise<ElicitResult> => {
        const { url } = req.params as ElicitRequestURLParams;
        urls.push(url);
        void freshCode().then((c) => person(url, c));
        return { action: 'accept' };
      });
      const opened = await h.call('open_session', { profile: 'otp-asked' });
      expect(opened.isError, text(opened)).toBeFalsy();
      const sid = (opened.structuredContent as { session_id: string }).session_id;
      const session = h.instance.manager.get(sid);
      const closed = new Promise<void>((r) => session.nav.pty.once('close', () => r()));
      session.nav.connection.close();
      await closed;
      expect(session.state).toBe('broken');
      const reopened = await h.call('reopen', { session_id: sid });
      expect(reopened.isError, text(reopened)).toBeFalsy();
      expect((reopened.structuredContent as { prompt: string }).prompt).toBe('Target IP: ');
      expect(urls).toHaveLength(2);
      expect(urls[1]).not.toBe(urls[0]);
    } finally {
      await h.close();
    }
  }, 30_000);

  it('stops the walk when the person declines (secret_declined), leaving no session', async () => {
    const h = await harness({ urlElicitation: true });
    try {
      let url = '';
      h.client.setRequestHandler(ElicitRequestSchema, async (req): Promise<ElicitResult> => {
        url = (req.params as ElicitRequestURLParams).url;
        return { action: 'decline' };
      });
      const r = await h.call('open_session', { profile: 'otp-asked' });
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(
        /^profile "otp-asked", hop "menu", step 2 \(send_secret\) at .*ask\.yaml:\d+:\d+: the person declined entering OTP from your token; the walk stopped and no session was opened\..*\[secret_declined\]$/s,
      );
      expect(h.instance.manager.list().filter((s) => s.state !== 'closed')).toEqual([]);
      // The page is over: nothing posted there reaches anything.
      const later = await person(url, '123456');
      expect(later.page).toContain('Expired');
      expect(later.sent).toContain('Expired');
    } finally {
      await h.close();
    }
  }, 30_000);

  it('waits for the person no longer than the ask timeout', async () => {
    const h = await harness({ urlElicitation: true });
    try {
      let url = '';
      h.client.setRequestHandler(ElicitRequestSchema, async (req): Promise<ElicitResult> => {
        url = (req.params as ElicitRequestURLParams).url;
        return { action: 'accept' };
      });
      const started = Date.now();
      const r = await h.call('open_session', { profile: 'otp-hurried' });
      const ms = Date.now() - started;
      expect(r.isError).toBe(true);
      expect(text(r)).toContain("nobody gave the secret asked for within 1s (the ask's timeout)");
      expect(text(r)).toMatch(/\[walk_timeout\]$/);
      expect(ms).toBeGreaterThanOrEqual(1000);
      expect(ms).toBeLessThan(8000);
      expect((await person(url, null)).page).toContain('Expired');
      expect(h.instance.manager.list().filter((s) => s.state !== 'closed')).toEqual([]);
    } finally {
      await h.close();
    }
  }, 30_000);

  it('says how to give the secret when no viewer runs, before connecting', async () => {
    const h = await harness({ urlElicitation: true, viewer: false });
    try {
      let asked = 0;
      h.client.setRequestHandler(ElicitRequestSchema, async (): Promise<ElicitResult> => {
        asked++;
        return { action: 'accept' };
      });
      const r = await h.call('open_session', { profile: 'otp-asked' });
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(
        /^profile "otp-asked", hop "menu", step 2 \(send_secret\) at .*ask\.yaml:\d+:\d+ asks a person for a secret \(\{ ask \}\), and nothing here can ask: run `gatewalk open` or `run` from a terminal \(they ask there\), or `gatewalk serve` with its viewer on \(not --no-viewer, it asks through the viewer\); or give the secret as \{ env \}, \{ file \} or \{ command \} instead \[secret_unavailable\]$/,
      );
      expect(asked).toBe(0);
      // Nothing was opened: no transcript was even started.
      expect(h.instance.manager.list()).toEqual([]);
    } finally {
      await h.close();
    }
  }, 30_000);
});
