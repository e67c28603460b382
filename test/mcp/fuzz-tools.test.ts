// Every tool driven with random, malformed and oversized arguments (fast-check), through the
// SDK's real client against the lab (issue 13): each call must be answered (a result or a
// protocol error) within its bound, and the server must stay up and usable afterwards. The
// arguments come from the tools' own advertised input schemas, so a tool added later is fuzzed
// too. Paths are kept inside a temporary folder and commands to a harmless alphabet: the lab's
// pods are real shells on this machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, type Connected } from './helpers.js';

interface PropSchema {
  type?: string | string[];
  enum?: unknown[];
  maxLength?: number;
  anyOf?: PropSchema[];
}
interface ToolSchema {
  name: string;
  properties: Record<string, PropSchema>;
  required: string[];
}

/**
 * How long any call may take: the timeouts the fuzzer passes are at most 1 s, a wait for the
 * prompt at most the profile's step timeout (5 s), and a file operation or search whose remote
 * command stalls is stopped after 60 s.
 */
const BOUND_MS = 70_000;
const MiB = 1024 * 1024;

const harmless = fc
  .array(fc.constantFrom(...'abcxyz019 ._-=/:,@%+"\'\\$'.split('')), { maxLength: 24 })
  .map((a) => a.join(''));
const controls = fc
  .array(fc.integer({ min: 0, max: 0x1f }), { minLength: 1, maxLength: 6 })
  .map((a) => String.fromCharCode(...a));
const huge = fc.constantFrom(
  'a'.repeat(MiB),
  'x'.repeat(64 * 1024 + 1),
  '\u00e9'.repeat(300_000),
  '(a+)+$'.repeat(10_000),
);
const wrongType = fc.oneof(
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.constant({}),
  fc.constant([1, 'x']),
);
const anyString = fc.oneof(
  { weight: 4, arbitrary: harmless },
  { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'grapheme' }) },
  { weight: 1, arbitrary: controls },
  { weight: 1, arbitrary: huge },
  { weight: 1, arbitrary: fc.constant('') },
);

function typeOf(p: PropSchema): string {
  if (Array.isArray(p.type)) return p.type[0] ?? 'string';
  if (p.type) return p.type;
  return p.anyOf?.[0] ? typeOf(p.anyOf[0]) : 'string';
}

function fieldArb(
  key: string,
  p: PropSchema,
  ctx: { sid: () => string; dir: string; profiles: string[] },
): fc.Arbitrary<unknown> {
  const invalid = fc.oneof(wrongType, huge);
  const pick = (valid: fc.Arbitrary<unknown>) =>
    fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: invalid });
  if (key === 'session_id')
    return pick(
      fc.oneof(
        fc.constant(null).map(() => ctx.sid()),
        fc.constant(''),
        harmless,
      ),
    );
  if (/timeout|wait_s|wait_if_busy/.test(key))
    return pick(fc.oneof(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.constant(-1)));
  if (/path/.test(key))
    return pick(
      fc.oneof(
        fc.nat(20).map((n) => join(ctx.dir, `fuzz-${n}`)),
        fc.nat(20).map((n) => `fuzz-${n}`),
        fc.constant(`${ctx.dir}/a\u0000b`),
        fc.constant(''),
      ),
    );
  if (key === 'profile') return pick(fc.oneof(fc.constantFrom(...ctx.profiles), anyString));
  if (key === 'command' || key === 'text' || key === 'pattern') return pick(anyString);
  if (p.enum) return pick(fc.constantFrom(...p.enum));
  switch (typeOf(p)) {
    case 'string':
      return anyString;
    case 'integer':
      return pick(fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.constant(2 ** 53)));
    case 'number':
      return pick(fc.double({ min: -1, max: 1e6, noNaN: true }));
    case 'boolean':
      return pick(fc.boolean());
    case 'array':
      return pick(fc.array(fc.oneof(anyString, fc.constantFrom('Enter', 'C-c', 'Up', 'F99'))));
    case 'object':
      return pick(fc.dictionary(harmless, fc.oneof(anyString, fc.integer()), { maxKeys: 4 }));
    default:
      return anyString;
  }
}

function argsArb(tool: ToolSchema, ctx: Parameters<typeof fieldArb>[2]) {
  const entries = Object.entries(tool.properties).map(
    ([k, p]) => [k, fc.option(fieldArb(k, p, ctx), { nil: undefined, freq: 4 })] as const,
  );
  return fc
    .record(Object.fromEntries(entries) as Record<string, fc.Arbitrary<unknown>>)
    .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));
}

describe('every tool under random and oversized arguments', () => {
  let lab: Lab;
  let c: Connected;
  let dir: string;
  let tools: ToolSchema[];
  let sid = '';

  const openOne = async () => {
    const opened = await c.ok<{ session_id: string }>('open_session', {
      profile: 'orders-pod',
      params: { lab_port: lab.port },
    });
    sid = opened.session_id;
  };

  beforeAll(async () => {
    lab = await labOnFreePort();
    dir = mkdtempSync(join(tmpdir(), 'gatewalk-fuzz-'));
    c = await connectClient({ transferDir: dir });
    tools = (await c.client.listTools()).tools.map((t) => {
      const s = t.inputSchema as { properties?: Record<string, PropSchema>; required?: string[] };
      return { name: t.name, properties: s.properties ?? {}, required: s.required ?? [] };
    });
    await openOne();
  }, 60_000);

  afterAll(async () => {
    await c?.close();
    await lab?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** One call, answered within the bound: a result, or a protocol error the client surfaces. */
  const tally = { ok: 0, refused: 0, protocol: 0 };

  async function answered(name: string, args: Record<string, unknown>): Promise<void> {
    const started = Date.now();
    let outcome: CallToolResult | Error;
    try {
      outcome = (await c.client.callTool({ name, arguments: args }, undefined, {
        timeout: BOUND_MS,
      })) as CallToolResult;
    } catch (err) {
      outcome = err as Error;
    }
    const took = Date.now() - started;
    if (process.env.FUZZ_LOG)
      console.error(
        `  -> ${took} ms`,
        outcome instanceof Error
          ? outcome.message.slice(0, 160)
          : `${outcome.isError ? 'error' : 'ok'} ${JSON.stringify(outcome.content).slice(0, 160)}`,
      );
    if (outcome instanceof Error) tally.protocol++;
    else if (outcome.isError) tally.refused++;
    else tally.ok++;
    if (outcome instanceof Error) {
      // Invalid arguments may be refused as a protocol error; a timeout or a closed connection
      // is a failure.
      expect(outcome.message, `${name} ${JSON.stringify(args).slice(0, 200)}`).not.toMatch(
        /timed out|Connection closed|not connected/i,
      );
    } else {
      // No answer carries an internal error or a stack, and none is oversized.
      const text = outcome.content.map((x) => (x.type === 'text' ? x.text : '')).join('\n');
      expect(text, name).not.toMatch(/gatewalk bug|\n\s+at \S+ \(/);
      expect(JSON.stringify(outcome).length).toBeLessThan(8 * MiB);
    }
    expect(took, `${name} took ${took} ms`).toBeLessThan(BOUND_MS);
  }

  it('advertises a cap on every string argument and refuses one character more, at once', async () => {
    for (const t of tools) {
      for (const [key, p] of Object.entries(t.properties)) {
        if (typeOf(p) !== 'string' || p.enum) continue;
        expect(p.maxLength ?? 0, `${t.name}.${key} has no maxLength`).toBeGreaterThan(0);
        const args: Record<string, unknown> = {
          session_id: sid,
          [key]: 'z'.repeat(p.maxLength! + 1),
        };
        for (const r of t.required) if (r !== key) args[r] ??= 'x';
        const started = Date.now();
        const r = (await c.client
          .callTool({ name: t.name, arguments: args }, undefined, { timeout: BOUND_MS })
          .catch((e: Error) => e)) as CallToolResult | Error;
        expect(Date.now() - started, `${t.name}.${key}`).toBeLessThan(2000);
        if (r instanceof Error) continue;
        expect(r.isError, `${t.name}.${key} accepted ${p.maxLength! + 1} characters`).toBe(true);
        // The refusal names the argument and does not echo the value back.
        const text = r.content.map((x) => (x.type === 'text' ? x.text : '')).join('\n');
        expect(text).toContain(key);
        expect(text.length).toBeLessThan(4096);
      }
    }
  }, 120_000);

  it('answers every call within its bound and stays up', async () => {
    const runs = Number(process.env.FUZZ_RUNS ?? 300);
    const profiles = ['orders-pod', 'alpine-pod', 'cmsm', 'no-such-profile'];
    const ctx = { sid: () => sid, dir, profiles };
    const call = fc.oneof(
      ...tools.map((t) => argsArb(t, ctx).map((args) => ({ name: t.name, args }))),
    );
    await fc.assert(
      fc.asyncProperty(call, async ({ name, args }) => {
        if (process.env.FUZZ_LOG) console.error(name, JSON.stringify(args).slice(0, 300));
        await answered(name, args);
        // Keep one session open to aim at (the fuzzer closes and breaks them too).
        const open = await c.ok<{ sessions: { session_id: string; state: string }[] }>(
          'list_sessions',
        );
        if (!open.sessions.some((s) => s.session_id === sid && s.state === 'ready')) {
          for (const s of open.sessions)
            if (s.state !== 'closed')
              await c.call('close_session', { session_id: s.session_id }).catch(() => undefined);
          await openOne();
        }
      }),
      {
        numRuns: runs,
        endOnFailure: true,
        // FUZZ_SEED replays a failing run (fast-check prints its seed).
        ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
      },
    );
    // The fuzzer reaches the handlers, not only the argument checks: some calls do real work.
    expect(tally.ok, JSON.stringify(tally)).toBeGreaterThan(runs / 10);
    expect(tally.refused, JSON.stringify(tally)).toBeGreaterThan(runs / 10);
    // Still up and usable: a fresh command runs with its real exit code.
    await c.client.ping();
    const r = await c.ok<{ exit_code: number; output: string }>('execute_command', {
      session_id: sid,
      command: 'echo alive; false',
    });
    expect(r.output).toContain('alive');
    expect(r.exit_code).toBe(1);
  }, 600_000);
});
