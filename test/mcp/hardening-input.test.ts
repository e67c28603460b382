// Issue 13, findings 1 and 2, through the SDK's real Client against the lab: an agent's regex
// cannot hold the server, and every string argument has a length the SDK enforces before any
// handler work (so a 1 MiB profile name costs nothing).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { LIMITS } from '../../src/mcp/limits.js';
import { MAX_PARAMS } from '../../src/mcp/shapes.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, type Connected } from './helpers.js';

let lab: Lab;
let c: Connected;
let sid: string;

beforeAll(async () => {
  lab = await labOnFreePort();
  c = await connectClient();
  sid = (
    await c.ok<{ session_id: string }>('open_session', {
      profile: 'orders-pod',
      params: { lab_port: lab.port },
    })
  ).session_id;
});

afterAll(async () => {
  await c?.close();
  await lab?.close();
});

/** How long `f` takes, with its value. */
async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await f();
  return [value, performance.now() - start];
}

/** How long list_sessions takes while `busy` runs (started 100 ms before it). */
async function pingDuring<T>(busy: Promise<T>): Promise<[T, number]> {
  await new Promise((r) => setTimeout(r, 100));
  const [, ms] = await timed(() => c.ok('list_sessions'));
  return [await busy, ms];
}

// 32 `a`s then `!`: JS RegExp tries 2^32 ways to match (a+)+$ on this line before failing.
const EVIL_LINE = `${'a'.repeat(32)}!`;

describe('agent regexes cannot hold the server', () => {
  it('wait_for (a+)+$ with a+! on screen answers in its time, and other calls meanwhile', async () => {
    await c.ok('execute_command', { session_id: sid, command: `echo ${EVIL_LINE}` });
    const screen = await c.ok<{ screen: string }>('get_screen', { session_id: sid });
    // The line stands on the screen (the prompt after it may not be drawn yet).
    expect(screen.screen).toContain(`\n${EVIL_LINE}`);
    const [[waited, waitMs], pingMs] = await pingDuring(
      timed(() =>
        c.ok<{ matched: string | null }>('wait_for', {
          session_id: sid,
          pattern: '(a+)+$',
          timeout_s: 1,
        }),
      ),
    );
    expect(waited.matched).toBeNull();
    expect(waitMs).toBeLessThan(2500);
    expect(pingMs).toBeLessThan(500);
  });

  it("send_text's wait_for runs on the same engine", async () => {
    const [[sent, sendMs], pingMs] = await pingDuring(
      timed(() =>
        c.ok<{ matched: string | null }>('send_text', {
          session_id: sid,
          text: `echo ${EVIL_LINE}`,
          wait_for: '(a+)+$',
          timeout_s: 1,
        }),
      ),
    );
    expect(sent.matched).toBeNull();
    expect(sendMs).toBeLessThan(2500);
    expect(pingMs).toBeLessThan(500);
    // And it still finds what is there.
    const found = await c.ok<{ matched: string | null }>('send_text', {
      session_id: sid,
      text: 'echo found-$((40 + 2))',
      wait_for: '^found-\\d+$',
      timeout_s: 5,
    });
    expect(found.matched).toBe('found-42');
  });

  it('refuses a backreference or a lookahead with what to write instead, sending nothing', async () => {
    const back = await c.fails('wait_for', { session_id: sid, pattern: '(ab)\\1' });
    expect(back).toMatch(/backreference.*write the repeated text out.*\[pattern_unsupported\]/);
    const ahead = await c.fails('send_text', {
      session_id: sid,
      text: 'echo never-sent-17',
      wait_for: 'x(?=y)',
    });
    expect(ahead).toMatch(/lookahead.*\[pattern_unsupported\]/);
    const screen = await c.ok<{ screen: string }>('get_screen', { session_id: sid });
    expect(screen.screen).not.toContain('never-sent-17');
    // A huge regex is a clear refusal too, not an internal error.
    const huge = await c.fails('wait_for', {
      session_id: sid,
      pattern: '(?:[ab]{999}c)'.repeat(3),
    });
    expect(huge).toMatch(/\[pattern_too_complex\]/);
    expect(huge).not.toMatch(/gatewalk bug/);
  });
});

describe('string arguments are capped', () => {
  it('refuses a 1 MiB profile name at once, and the server goes on', async () => {
    const [text, ms] = await timed(() =>
      c.fails('open_session', { profile: 'x'.repeat(1024 * 1024) }),
    );
    expect(ms).toBeLessThan(1000);
    expect(text).toMatch(new RegExp(`<=${LIMITS.name} characters at profile`));
    expect(text.length).toBeLessThan(1000);
    const r = await c.ok<{ status: string; output: string }>('execute_command', {
      session_id: sid,
      command: 'echo still-here',
    });
    expect(r.output).toContain('still-here');
  });

  const nope = 's_nope';
  const params = (entries: Record<string, unknown>) => ({ profile: 'nope', params: entries });
  // tool, argument (as the SDK names it), its limit, and arguments with the value in place.
  const cases: [string, string, number, (v: string) => Record<string, unknown>][] = [
    ['open_session', 'profile', LIMITS.name, (v) => ({ profile: v })],
    ['open_session', 'label', LIMITS.label, (v) => ({ profile: 'nope', label: v })],
    ['open_session', 'params', LIMITS.name, (v) => params({ [v]: 'x' })],
    ['open_session', 'params.k', LIMITS.paramValue, (v) => params({ k: v })],
    ['switch_target', 'profile', LIMITS.name, (v) => ({ session_id: nope, profile: v })],
    ['switch_target', 'session_id', LIMITS.name, (v) => ({ session_id: v, profile: 'p' })],
    ['switch_target', 'params.k', LIMITS.paramValue, (v) => ({ profile: 'p', params: { k: v } })],
    ['execute_command', 'command', LIMITS.command, (v) => ({ session_id: nope, command: v })],
    ['execute_command', 'session_id', LIMITS.name, (v) => ({ session_id: v, command: 'true' })],
    ['wait_for', 'pattern', LIMITS.pattern, (v) => ({ session_id: nope, pattern: v })],
    ['wait_for', 'session_id', LIMITS.name, (v) => ({ session_id: v, pattern: 'x' })],
    ['get_command', 'command_id', LIMITS.name, (v) => ({ command_id: v })],
    ['get_command', 'session_id', LIMITS.name, (v) => ({ command_id: 'c', session_id: v })],
    ['get_screen', 'session_id', LIMITS.name, (v) => ({ session_id: v })],
    ['get_transcript', 'session_id', LIMITS.name, (v) => ({ session_id: v })],
    ['interrupt', 'session_id', LIMITS.name, (v) => ({ session_id: v })],
    ['list_commands', 'session_id', LIMITS.name, (v) => ({ session_id: v })],
    ['close_session', 'session_id', LIMITS.name, (v) => ({ session_id: v })],
    ['reopen', 'session_id', LIMITS.name, (v) => ({ session_id: v })],
    ['search_logs', 'pattern', LIMITS.pattern, (v) => ({ session_id: nope, pattern: v })],
    ['search_logs', 'path', LIMITS.path, (v) => ({ session_id: nope, pattern: 'x', path: v })],
    [
      'search_logs',
      'include',
      LIMITS.path,
      (v) => ({ session_id: nope, pattern: 'x', include: v }),
    ],
    ['search_logs', 'session_id', LIMITS.name, (v) => ({ session_id: v, pattern: 'x' })],
  ];

  it.each(cases)('%s refuses %s above %i characters', async (tool, arg, limit, args) => {
    const over = await c.fails(tool, args('x'.repeat(limit + 1)));
    expect(over).toContain('Input validation error');
    expect(over).toMatch(new RegExp(`<=${limit} characters at ${arg.replace('.', '\\.')}$`));
    expect(over.length).toBeLessThan(limit + 300);
    // At the limit the argument passes: whatever fails then is the handler's answer.
    const at = await c.call(tool, args('x'.repeat(limit)));
    const text = at.content.map((x) => (x.type === 'text' ? x.text : '')).join('\n');
    expect(text).not.toContain('Input validation error');
  });

  it(`refuses params with more than ${MAX_PARAMS} entries`, async () => {
    const many = Object.fromEntries(Array.from({ length: MAX_PARAMS + 1 }, (_, i) => [`p${i}`, i]));
    expect(await c.fails('open_session', params(many))).toMatch(
      new RegExp(`at most ${MAX_PARAMS} parameters at params`),
    );
    const enough = Object.fromEntries(Array.from({ length: MAX_PARAMS }, (_, i) => [`p${i}`, i]));
    expect(await c.fails('open_session', params(enough))).toMatch(/no profile "nope"/);
  });
});
