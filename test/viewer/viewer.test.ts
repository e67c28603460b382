// The live viewer in a real browser: Debian's chromium driven by playwright-core, against a
// session opened through MCP on the lab.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { packagePath } from '../../src/paths.js';
import { pastCatalog } from '../../src/viewer/catalog.js';
import { startViewer } from '../../src/viewer/server.js';
import { launchChromium, terminalText, waitForText } from '../helpers/browser.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, type Connected } from '../mcp/helpers.js';

let lab: Lab;
let c: Connected;
let browser: Browser;
let sid: string;
let viewerUrl: string;

beforeAll(async () => {
  lab = await labOnFreePort();
  c = await connectClient();
  await c.instance.startViewer(0);
  browser = await launchChromium();
  const opened = await c.ok<{ session_id: string; viewer_url: string }>('open_session', {
    profile: 'orders-pod',
    params: { lab_port: lab.port },
    label: 'watched',
  });
  sid = opened.session_id;
  viewerUrl = opened.viewer_url;
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await c?.close();
  await lab?.close();
});

describe('the live viewer', () => {
  it('is given by open_session and refused without its token', async () => {
    expect(viewerUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/sessions/${sid}\\?token=`));
    const bare = viewerUrl.replace(/\?token=.*$/, '');
    const page = await browser.newPage();
    const response = await page.goto(bare);
    expect(response?.status()).toBe(401);
    const wrong = await page.goto(`${bare}?token=nope`);
    expect(wrong?.status()).toBe(401);
    await page.close();
  });

  it('shows the pod prompt and a command live, with the command list', async () => {
    const page = await browser.newPage();
    await page.goto(viewerUrl);
    // The token became a cookie and left the address bar.
    expect(page.url()).not.toContain('token=');
    await waitForText(page, /\[pod:orders\/orders-api-7d9d65f8b4-2plxq ~\]\$ $/m);
    await c.ok('execute_command', { session_id: sid, command: 'echo viewer-$((6*7))' });
    await waitForText(page, /^viewer-42$/m);
    // The command as it was typed, and nothing of gatewalk's framing.
    const live = await terminalText(page);
    expect(live).toMatch(/\$ echo viewer-\$\(\(6\*7\)\)$/m);
    expect(live).not.toMatch(/__gw|eval|6973/);
    // The command list: the command, its start time, duration and exit code once it ended.
    const cells = page.locator('#commands tr', { hasText: 'echo viewer-$((6*7))' }).locator('td');
    await expect.poll(() => cells.nth(3).innerText(), { timeout: 5000 }).toBe('0');
    expect(await cells.nth(1).innerText()).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(await cells.nth(2).innerText()).toMatch(/^\d+ ms$|^\d+\.\d s$/);
    mkdirSync(packagePath('test-output'), { recursive: true });
    const shot = packagePath('test-output', 'viewer-live.png');
    await page.locator('#terminal').screenshot({ path: shot });
    // A blank terminal compresses to almost nothing; text on it does not.
    expect(statSync(shot).size).toBeGreaterThan(8_000);
    await page.close();
  });

  it('lets a person take control: their typing is echoed, the agent waits, the transcript says who', async () => {
    const page = await browser.newPage();
    await page.goto(viewerUrl);
    await waitForText(page, /viewer-42/);
    await page.locator('#control').check();
    await page.locator('#terminal').click();
    await page.keyboard.type('echo typed-by-$((1+1))');
    await page.keyboard.press('Enter');
    await waitForText(page, /^typed-by-2$/m);
    let agentDone = false;
    const agent = c
      .ok<{ output: string }>('execute_command', { session_id: sid, command: 'echo agent-turn' })
      .then((r) => {
        agentDone = true;
        return r;
      });
    // While the person holds the keyboard the agent's call waits (checked after a pause: this
    // asserts something does not happen).
    await page.waitForTimeout(300);
    expect(agentDone).toBe(false);
    await page.locator('#control').uncheck();
    expect((await agent).output).toBe('agent-turn\n');
    const { events } = await c.ok<{ events: { type: string; by?: string; kind?: string }[] }>(
      'get_transcript',
      { session_id: sid, tail: 10_000 },
    );
    // Who typed and how much; not the keys (a password typed with echo off would be in them).
    expect(events.some((e) => e.kind === 'typed' && e.by === 'viewer')).toBe(true);
    expect(events.some((e) => e.type === 'send' && e.by === 'viewer')).toBe(false);
    expect(events.filter((e) => e.kind === 'control').length).toBe(2);
    await page.close();
  });

  it('hands control back when the page that took it goes away', async () => {
    const page = await browser.newPage();
    await page.goto(viewerUrl);
    await waitForText(page, /agent-turn/);
    await page.locator('#control').check();
    await page.keyboard.type('echo held-$((2+3))');
    await page.keyboard.press('Enter');
    await waitForText(page, /^held-5$/m);
    await page.close();
    // The agent is not kept waiting by a tab nobody looks at any more.
    const t0 = performance.now();
    const r = await c.ok<{ output: string }>('execute_command', {
      session_id: sid,
      command: 'echo free',
    });
    expect(r.output).toBe('free\n');
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('never shows a secret, and replays the closed session', async () => {
    const asked = await c.ok<{ command_id: string; status: string }>('execute_command', {
      session_id: sid,
      command: 'read -s -p "Token: " t; echo; echo "got $t"',
      timeout_s: 0.5,
    });
    expect(asked.status).toBe('awaiting_input');
    await c.ok('send_text', { session_id: sid, text: 'Tk-93-hush', sensitive: true });
    await c.ok('get_command', { command_id: asked.command_id, wait_s: 5 });
    const page = await browser.newPage();
    await page.goto(viewerUrl);
    await waitForText(page, /got \[secret\]/);
    expect(await terminalText(page)).not.toContain('Tk-93-hush');
    const { transcript } = await c.ok<{ transcript: string }>('close_session', { session_id: sid });
    expect(readFileSync(transcript, 'utf8')).not.toContain('Tk-93-hush');
    await page.goto(viewerUrl.replace(/\?token=.*$/, '/replay'));
    await page.locator('body[data-replayed="true"]').waitFor({ timeout: 20_000 });
    const replayed = await terminalText(page);
    expect(replayed).toMatch(/^viewer-42$/m);
    expect(replayed).toMatch(/\$ echo viewer-\$\(\(6\*7\)\)$/m);
    expect(replayed).not.toMatch(/__gw|eval|6973/);
    expect(replayed).not.toContain('Tk-93-hush');
    const cast = await page.request.get(viewerUrl.replace(/\?token=.*$/, '/asciicast'));
    expect(cast.status()).toBe(200);
    expect((await cast.text()).split('\n')[0]).toContain('"version":2');
    await page.close();
  });

  it('serves past sessions from their transcripts (gatewalk view)', async () => {
    const past = await startViewer({ catalog: pastCatalog(c.root), port: 0 });
    try {
      const page = await browser.newPage();
      await page.goto(past.url);
      const row = page.locator('tr', { hasText: sid });
      await expect(row.innerText()).resolves.toMatch(/orders-pod\s+watched\s+pod/);
      await row.locator('a', { hasText: 'replay' }).click();
      await page.locator('body[data-replayed="true"]').waitFor({ timeout: 20_000 });
      expect(await terminalText(page)).toMatch(/^typed-by-2$/m);
      await page.close();
    } finally {
      await past.close();
    }
  });
});
