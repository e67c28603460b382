// Many sessions on one server: 500 (BENCH_SESSIONS) sessions opened through gatewalk's MCP server
// (SDK client over the in-memory transport), BENCH_OPEN_CONCURRENCY (50) opening at a time, into
// the lab (BENCH_PROFILE, default master-a: the CMSM menu, then a real bash in a PTY per session),
// each running its first command (`true`: gatewalk probes and prepares the shell then) as part of
// opening; then every session runs `true` BENCH_ROUNDS (5) times in a row, all sessions at once.
// Prints how many opened and how many commands succeeded, execute_command latency under that load
// (p50, p99) and the wall times. The lab runs in a child process. Exits non-zero if anything
// failed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startInstance, type Instance } from '../src/mcp/instance.js';
import { packagePath } from '../src/paths.js';
import { labInChildProcess } from './lab-process.js';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 500);
const OPEN_CONCURRENCY = Number(process.env.BENCH_OPEN_CONCURRENCY ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PROFILE = process.env.BENCH_PROFILE ?? 'master-a';
// The lab profiles give the SSH connection 5 s ("the lab answers in milliseconds"): with 50
// handshakes at once against the lab on a small machine that is what fails first, so the bench
// opens a profile of its own that extends BENCH_PROFILE with this connect timeout (0: keep 5 s).
const CONNECT_TIMEOUT_S = Number(process.env.BENCH_CONNECT_TIMEOUT_S ?? 30);
const CALL_TIMEOUT_MS = 300_000;

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

/** Runs `fn` over `items`, at most `limit` at a time; every outcome kept. */
async function pool<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i] as T) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The distinct failure messages, most frequent first, with their counts. */
function tally(reasons: unknown[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) {
    const whole = r instanceof Error ? r.message : String(r);
    const message = whole.length > 400 ? `${whole.slice(0, 200)} ... ${whole.slice(-200)}` : whole;
    counts.set(message, (counts.get(message) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([m, n]) => `    ${n} x ${m}`)
    .join('\n');
}

const lab = await labInChildProcess();
const root = mkdtempSync(join(tmpdir(), 'gatewalk-bench-'));
const opened: string[] = [];
let instance: Instance | undefined;
let client: Client | undefined;
let failed: boolean;
try {
  const profiles = join(root, 'profiles');
  mkdirSync(profiles);
  writeFileSync(
    join(profiles, 'bench.yaml'),
    [
      'version: 1',
      'profiles:',
      `  bench-${PROFILE}:`,
      `    extends: ${PROFILE}`,
      `    connect: { timeout: ${CONNECT_TIMEOUT_S}s }`,
      '',
    ].join('\n'),
  );
  const profile = CONNECT_TIMEOUT_S > 0 ? `bench-${PROFILE}` : PROFILE;
  instance = startInstance({
    profileDirs: [packagePath('profiles'), profiles],
    runtimeRoot: root,
    watchProfiles: false,
    idleCloseMinutes: 0,
  });
  const mcp = new Client({ name: 'gatewalk-bench', version: '1.0.0' });
  client = mcp;
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await instance.newServer().connect(serverSide);
  await mcp.connect(clientSide);
  const call = async (name: string, args: Record<string, unknown>) => {
    const r = (await mcp.callTool({ name, arguments: args }, undefined, {
      timeout: CALL_TIMEOUT_MS,
    })) as CallToolResult;
    if (r.isError)
      throw new Error(
        `${name}: ${r.content.map((c) => (c.type === 'text' ? c.text : '')).join(' ')}`,
      );
    return r.structuredContent as Record<string, unknown>;
  };

  const t0 = performance.now();
  const exec = async (id: string) => {
    const started = performance.now();
    const r = await call('execute_command', { session_id: id, command: 'true' });
    if (r.status !== 'done' || r.exit_code !== 0)
      throw new Error(`true: status ${String(r.status)}, exit code ${String(r.exit_code)}`);
    return performance.now() - started;
  };
  // Opening includes the session's first command: gatewalk probes and prepares the shell then
  // (a few forks in every shell), which is part of making a session usable.
  const opens = await pool(
    Array.from({ length: SESSIONS }, (_, i) => i),
    OPEN_CONCURRENCY,
    async (i) => {
      const started = performance.now();
      const r = await call('open_session', {
        profile,
        params: { lab_port: lab.port },
        label: `bench-${i}`,
      });
      const id = String(r.session_id);
      const ms = performance.now() - started;
      const hops = r.hops as { name: string; ms: number }[];
      try {
        return { id, ms, hops, first: await exec(id) };
      } catch (err) {
        opened.push(id); // still closed at the end
        throw err;
      }
    },
  );
  const openWall = performance.now() - t0;
  const ready = opens.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  opened.push(...ready.map((r) => r.id));
  const openFailures = opens.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));

  const latencies: number[] = [];
  const commandFailures: unknown[] = [];
  const t1 = performance.now();
  await Promise.all(
    ready.map(async ({ id }) => {
      for (let round = 0; round < ROUNDS; round++) {
        try {
          latencies.push(await exec(id));
        } catch (err) {
          commandFailures.push(err);
        }
      }
    }),
  );
  const execWall = performance.now() - t1;

  const t2 = performance.now();
  const closes = await pool(opened, OPEN_CONCURRENCY, (id) =>
    call('close_session', { session_id: id }),
  );
  const closeWall = performance.now() - t2;
  const closeFailures = closes.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));

  const openMs = ready.map((o) => o.ms);
  const firstMs = ready.map((o) => o.first);
  const ms = (xs: number[], q: number) => `${quantile(xs, q).toFixed(0)} ms`;
  console.log(
    `concurrent-sessions: ${SESSIONS} sessions (${PROFILE}${CONNECT_TIMEOUT_S > 0 ? `, connect timeout ${CONNECT_TIMEOUT_S} s` : ''}) on one server through MCP, ${OPEN_CONCURRENCY} opening at a time; lab in a child process`,
  );
  console.log(
    `  sessions opened ok / failed   ${ready.length} / ${openFailures.length} in ${(openWall / 1000).toFixed(1)} s (open_session p50 ${ms(openMs, 0.5)}, p99 ${ms(openMs, 0.99)}; first command, shell probed, p50 ${ms(firstMs, 0.5)}, p99 ${ms(firstMs, 0.99)})`,
  );
  const tenth = Math.max(1, Math.floor(openMs.length / 10));
  const hopNames = ready[0]?.hops.map((h) => h.name) ?? [];
  const hopMs = (from: typeof ready, name: string) =>
    from.map((o) => o.hops.find((h) => h.name === name)?.ms ?? NaN);
  const perHop = (from: typeof ready) =>
    hopNames.map((n) => `${n} ${ms(hopMs(from, n), 0.5)}`).join(', ');
  console.log(
    `    open_session p50 of the first / last ${tenth} opened: ${ms(openMs.slice(0, tenth), 0.5)} (${perHop(ready.slice(0, tenth))}) / ${ms(openMs.slice(-tenth), 0.5)} (${perHop(ready.slice(-tenth))})`,
  );
  if (openFailures.length > 0) console.log(tally(openFailures));
  console.log(
    `  commands ok / failed          ${latencies.length} / ${commandFailures.length} (\`true\` x ${ROUNDS} in a row in each session, all ${ready.length} sessions at once) in ${(execWall / 1000).toFixed(1)} s`,
  );
  if (commandFailures.length > 0) console.log(tally(commandFailures));
  console.log(
    `  execute_command latency       p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`,
  );
  console.log(
    `  closed ok / failed            ${closes.length - closeFailures.length} / ${closeFailures.length} in ${(closeWall / 1000).toFixed(1)} s`,
  );
  if (closeFailures.length > 0) console.log(tally(closeFailures));
  console.log(
    `  wall time                     ${((performance.now() - t0) / 1000).toFixed(1)} s (open ${(openWall / 1000).toFixed(1)} s, commands ${(execWall / 1000).toFixed(1)} s, close ${(closeWall / 1000).toFixed(1)} s)`,
  );
  failed =
    openFailures.length > 0 ||
    commandFailures.length > 0 ||
    closeFailures.length > 0 ||
    latencies.length !== SESSIONS * ROUNDS;
  console.log(
    `concurrent-sessions: ${SESSIONS} sessions, ${latencies.length} commands ok, p99 ${quantile(latencies, 0.99).toFixed(0)} ms (goal: all succeed: ${failed ? 'NOT met' : 'met'})`,
  );
} finally {
  await client?.close();
  await instance?.shutdown('bench over');
  await lab.stop();
  rmSync(root, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;
