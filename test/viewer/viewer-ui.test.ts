// The viewer a team lead would use, in a real browser (Debian's chromium via playwright-core):
// the terminal fits the window, the list updates itself and filters, a command's row seeks the
// replay, the .cast carries markers, and a page in watch mode sends nothing.
import { readFileSync, statSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { packagePath } from '../../src/paths.js';
import { launchChromium, terminalText, waitForText } from '../helpers/browser.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, type Connected } from '../mcp/helpers.js';

let lab: Lab;
let c: Connected;
let browser: Browser;
let sid: string;
let liveUrl: string;
let origin: string;
/** A path of the viewer with its token: a fresh page has no cookie yet. */
const at = (path: string) =>
  `${origin}${path}${path.includes('?') ? '&' : '?'}token=${new URL(liveUrl).searchParams.get('token')}`;

beforeAll(async () => {
  lab = await labOnFreePort();
  c = await connectClient();
  await c.instance.startViewer(0);
  browser = await launchChromium();
  const opened = await c.ok<{ session_id: string; viewer_url: string }>('open_session', {
    profile: 'orders-pod',
    params: { lab_port: lab.port },
    label: 'team-a',
  });
  sid = opened.session_id;
  liveUrl = opened.viewer_url;
  origin = new URL(liveUrl).origin;
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await c?.close();
  await lab?.close();
});

interface Fit {
  termScroll: number;
  termClient: number;
  docScroll: number;
  docClient: number;
  screen: number;
  font: number;
}

/** How the terminal sits in the page: its container's and the page's scrolling widths. */
function fitOf(page: Page): Promise<Fit> {
  return page.evaluate(`(() => {
    const t = document.getElementById('terminal');
    const style = getComputedStyle(t);
    return {
      termScroll: t.scrollWidth, termClient: t.clientWidth,
      docScroll: document.documentElement.scrollWidth, docClient: document.documentElement.clientWidth,
      screen: t.querySelector('.xterm-screen').getBoundingClientRect().width,
      inner: t.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
      font: window.gatewalkTerminal.options.fontSize,
    };
  })()`);
}

/** A PNG's width in pixels (its IHDR chunk). */
const pngWidth = (png: Buffer) => png.readUInt32BE(16);

describe('the viewer for people', () => {
  it('fits a 200-column session at 1280 px with no sideways scrolling, and stays readable at 420 px', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(liveUrl);
    await waitForText(page, /\[pod:orders\/orders-api-7d9d65f8b4-2plxq ~\]\$ $/m);
    await c.ok('execute_command', { session_id: sid, command: 'echo first-$((1+1))' });
    await c.ok('execute_command', { session_id: sid, command: 'seq -s " " 1 60' });
    await waitForText(page, /^1 2 3 .* 60$/m);
    expect(await page.evaluate('window.gatewalkTerminal.cols')).toBe(200);
    const wide = await fitOf(page);
    expect(wide.termScroll).toBeLessThanOrEqual(wide.termClient);
    expect(wide.docScroll).toBeLessThanOrEqual(wide.docClient);
    expect(wide.screen).toBeLessThanOrEqual(wide.termClient);
    // Readable at 1280: the whole width goes to the terminal, not a side panel.
    expect(wide.font).toBeGreaterThanOrEqual(9);
    const shot = await page.screenshot({
      fullPage: true,
      path: packagePath('docs', 'viewer-live.png'),
    });
    expect(pngWidth(shot)).toBe(1280);
    expect(statSync(packagePath('docs', 'viewer-live.png')).size).toBeGreaterThan(30_000);

    // A phone: 200 columns in 420 px would need a 3 px font. The font stays readable (8 px) and
    // the terminal scrolls sideways inside its box; the page itself does not.
    await page.setViewportSize({ width: 420, height: 800 });
    await expect
      .poll(async () => (await fitOf(page)).font, { timeout: 5000 })
      .toBeLessThan(wide.font);
    const narrow = await fitOf(page);
    expect(narrow.font).toBe(8);
    expect(narrow.termScroll).toBeGreaterThan(narrow.termClient);
    expect(narrow.docScroll).toBeLessThanOrEqual(narrow.docClient);
    expect(pngWidth(await page.screenshot({ fullPage: true }))).toBe(420);
    // A session narrow enough for the phone fits it without scrolling: 80 columns.
    await page.evaluate('window.gatewalkTerminal.resize(80, 24)');
    await page.setViewportSize({ width: 421, height: 800 });
    await expect
      .poll(async () => (await fitOf(page)).termScroll, { timeout: 5000 })
      .toBeLessThanOrEqual((await fitOf(page)).termClient);
    const phone = await fitOf(page);
    expect(phone.font).toBeGreaterThanOrEqual(8);
    expect(phone.screen).toBeLessThanOrEqual(phone.termClient);
    await page.evaluate('window.gatewalkTerminal.resize(200, 50)');
    await page.setViewportSize({ width: 420, height: 800 });
    // "actual size" trades fitting for a readable font, scrolling inside the terminal only.
    await page.locator('#fit').click();
    const actual = await fitOf(page);
    expect(actual.font).toBe(14);
    expect(actual.termScroll).toBeGreaterThan(actual.termClient);
    expect(actual.docScroll).toBeLessThanOrEqual(actual.docClient);
    await page.close();
  });

  it('watches only until control is switched on: no key is sent in watch mode', async () => {
    const page = await browser.newPage();
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() !== 'GET') posts.push(new URL(r.url()).pathname);
    });
    await page.goto(liveUrl);
    await waitForText(page, /first-2/);
    expect(await page.locator('#mode').innerText()).toBe('watch only');
    await page.locator('#terminal').click();
    await page.keyboard.type('echo not-sent-$((3*3))');
    await page.keyboard.press('Enter');
    // Asserts that something does not happen: checked after a pause.
    await page.waitForTimeout(400);
    expect(posts).toEqual([]);
    const r = await c.ok<{ output: string }>('execute_command', {
      session_id: sid,
      command: 'echo still-mine',
    });
    expect(r.output).toBe('still-mine\n');
    expect(await waitForText(page, /^still-mine$/m)).not.toContain('not-sent');
    const { events } = await c.ok<{ events: { kind?: string }[] }>('get_transcript', {
      session_id: sid,
      tail: 10_000,
    });
    expect(events.some((e) => e.kind === 'typed' || e.kind === 'control')).toBe(false);

    await page.locator('#control').check();
    expect(await page.locator('#mode').innerText()).toBe('in control');
    await page.keyboard.type('echo sent-$((4*4))');
    await page.keyboard.press('Enter');
    await waitForText(page, /^sent-16$/m);
    expect(posts).toContain(`/sessions/${sid}/control`);
    expect(posts).toContain(`/sessions/${sid}/input`);
    await page.locator('#control').uncheck();
    await expect.poll(() => posts.filter((p) => p.endsWith('/control')).length).toBe(2);
    await page.close();
  });

  it("reports a person's turn in control to the agent's next result: lines entered, a password as ******", async () => {
    // An earlier turn not reported yet (the test before) goes with this call.
    await c.ok('execute_command', { session_id: sid, command: 'true' });
    const page = await browser.newPage();
    await page.goto(liveUrl);
    await waitForText(page, /\$ $/m);
    await page.locator('#control').check();
    expect(await page.locator('#mode').innerText()).toBe('in control');
    await page.locator('#terminal').click();
    // At a person's pace, each line after its prompt is back: a line whose echo comes only after
    // the next key is masked (when in doubt, it could have been a password).
    await page.keyboard.type('cd /tmp', { delay: 40 });
    await page.keyboard.press('Enter');
    await waitForText(page, /tmp\]\$ $/m);
    await page.keyboard.type("read -s -p 'Password: ' p; echo; echo got-${#p}", { delay: 10 });
    await page.keyboard.press('Enter');
    await waitForText(page, /Password: $/m);
    const password = 'hunter2-in-the-browser';
    await page.keyboard.type(password, { delay: 10 });
    await page.keyboard.press('Enter');
    await waitForText(page, /^got-22$/m);
    await page.locator('#control').uncheck();
    expect(await page.locator('#mode').innerText()).toBe('watch only');
    const r = await c.call('execute_command', { session_id: sid, command: 'pwd' });
    const text = r.content.map((x) => (x.type === 'text' ? x.text : '')).join('\n');
    const person = (r.structuredContent as { person?: { lines: string[]; screen: string[] } })
      .person;
    expect(person?.lines, JSON.stringify(person)).toEqual([
      'cd /tmp',
      "read -s -p 'Password: ' p; echo; echo got-${#p}",
      '******',
    ]);
    expect(person?.screen.join('\n')).toContain('got-22');
    // The account comes first, then the command's own result.
    expect(text.indexOf('******')).toBeLessThan(text.indexOf('/tmp\n'));
    expect((r.structuredContent as { output: string }).output).toBe('/tmp\n');
    expect(JSON.stringify(r)).not.toContain(password);
    // Once: the next call carries no account.
    const again = await c.ok<Record<string, unknown>>('execute_command', {
      session_id: sid,
      command: 'cd ~',
    });
    expect(again).not.toHaveProperty('person');
    await page.close();
  });

  it('lists sessions as they change, filtered by profile, label and state', async () => {
    const page = await browser.newPage();
    await page.goto(at('/'));
    const rows = page.locator('#sessions tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    const before = await rows.first().getAttribute('data-last-activity');
    // A second session appears without a reload.
    const other = await c.ok<{ session_id: string }>('open_session', {
      profile: 'payments-api-pod',
      params: { lab_port: lab.port },
      label: 'team-b',
    });
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    // Last activity follows a command.
    await c.ok('execute_command', { session_id: sid, command: 'true' });
    const rowA = page.locator(`#sessions tr[data-id="${sid}"]`);
    await expect
      .poll(() => rowA.getAttribute('data-last-activity'), { timeout: 10_000 })
      .not.toBe(before);

    await page.locator('#f-label').fill('TEAM-B');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-id')).toBe(other.session_id);
    await page.locator('#f-label').fill('');
    await page.locator('#f-profile').selectOption('orders-pod');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-id')).toBe(sid);
    await page.locator('#f-profile').selectOption('');

    // Its state changes in the list without a reload; the state filter follows.
    await c.ok('close_session', { session_id: other.session_id });
    await page.locator('#f-state').selectOption('closed');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    expect(await rows.first().getAttribute('data-id')).toBe(other.session_id);
    expect(page.url()).toContain('state=closed');
    // The filter is in the address: a reload keeps it.
    await page.reload();
    expect(await page.locator('#f-state').inputValue()).toBe('closed');
    expect(await rows.count()).toBe(1);
    await page.locator('#f-state').selectOption('ready');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-id')).toBe(sid);
    await page.close();
  });

  it('seeks the replay to a command clicked in the list; next command; markers on the seek bar', async () => {
    await c.ok('execute_command', { session_id: sid, command: 'echo second-$((2+2))' });
    await c.ok('execute_command', { session_id: sid, command: 'echo third-$((3+3))' });
    const page = await browser.newPage();
    await page.goto(liveUrl);
    const t = (await (await page.request.get(`${origin}/sessions/${sid}/transcript`)).json()) as {
      events: { type: string; t: number; command?: string }[];
      markers: { kind: string; t: number }[];
    };
    const startOf = (cmd: string) =>
      t.events.find((e) => e.type === 'command_start' && e.command === cmd)?.t ?? -1;
    const second = startOf('echo second-$((2+2))');
    const third = startOf('echo third-$((3+3))');
    expect(second).toBeGreaterThan(0);

    // From the live page: a click opens the replay at that command's start.
    await waitForText(page, /^third-6$/m);
    await page.locator('#commands tr', { hasText: 'echo second-$((2+2))' }).click();
    await page.waitForURL(/\/replay\?at=/);
    expect(Number(new URL(page.url()).searchParams.get('at'))).toBe(second);
    await page.locator('body[data-replayed="true"]').waitFor({ timeout: 20_000 });

    // In the replay, paused: the screen stands where the command started.
    // (At its end a replay stands paused; play would start it over.)
    expect(await page.locator('#play').innerText()).toBe('play');
    await page.locator('#commands tr', { hasText: 'echo second-$((2+2))' }).click();
    expect(Number(await page.locator('body').getAttribute('data-at'))).toBe(second);
    let screen = await waitForText(page, /^first-2$/m);
    expect(screen).not.toMatch(/second-4|third-6/);
    expect(await page.locator('#commands tr.current').innerText()).toContain('echo second');
    await page.locator('#next').click();
    expect(Number(await page.locator('body').getAttribute('data-at'))).toBe(third);
    screen = await waitForText(page, /^second-4$/m);
    expect(screen).not.toContain('third-6');

    // Markers: one per command and one per hop reached (menu, master, pod).
    const commands = t.events.filter((e) => e.type === 'command_start').length;
    expect(await page.locator('#markers button.command').count()).toBe(commands);
    expect(await page.locator('#markers button.hop').count()).toBe(3);
    await page.locator('#markers button.hop').nth(2).click();
    screen = await terminalText(page);
    expect(screen).not.toContain('first-2');
    await page.close();
  });

  it('downloads the session as NAME.cast, with markers for hops and commands', async () => {
    const page = await browser.newPage();
    await page.goto(at(`/sessions/${sid}/replay`));
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('a', { hasText: 'download as asciicast' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`gatewalk-${sid}.cast`);
    const cast = readFileSync((await download.path()) as string, 'utf8')
      .trim()
      .split('\n');
    expect(JSON.parse(cast[0] ?? '')).toMatchObject({ version: 2, width: 200 });
    const markers = cast
      .slice(1)
      .map((l) => JSON.parse(l) as [number, string, string])
      .filter((e) => e[1] === 'm')
      .map((e) => e[2]);
    expect(markers).toEqual(
      expect.arrayContaining([
        'hop: menu',
        'hop: master',
        'hop: pod',
        '$ echo first-$((1+1))',
        '$ echo third-$((3+3))',
      ]),
    );
    const head = await page.request.get(`${origin}/sessions/${sid}/asciicast`);
    expect(head.headers()['content-disposition']).toBe(
      `attachment; filename="gatewalk-${sid}.cast"`,
    );
    await page.close();
  });
});
