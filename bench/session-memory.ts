// Memory per idle session: N sessions (default 20, BENCH_SESSIONS) opened through gatewalk's MCP
// server (SDK client over the in-memory transport) into the lab's orders pod, each running one
// command that prints 10 MB (BENCH_BYTES), once plain text (base64) and once coloured lines (every
// byte parsed by the terminal). Once all are done and idle, and garbage is collected: the growth
// of heapUsed + external (external counts every Buffer and ArrayBuffer already) divided by N. The
// lab runs in a child process, so its shells and its own per-session memory are not counted.
// Needs --expose-gc: the benchmark starts itself again with it when it was not given.
// Goal: <= 0.5 MB per idle session.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startInstance } from '../src/mcp/instance.js';
import { packagePath } from '../src/paths.js';
import { SCROLLBACK_ROWS } from '../src/terminal/screen.js';
import { labInChildProcess } from './lab-process.js';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 20);
const OUTPUT_BYTES = Number(process.env.BENCH_BYTES ?? 10_000_000);
const PROFILE = process.env.BENCH_PROFILE ?? 'orders-pod';
const GOAL_MB = 0.5;
// Idle: longer than the screen waits before it parses plain text it held back.
const IDLE_MS = 1500;
const LINE = '0123456789abcdef 0123456789abcdef 0123456789abcdef 0123456789abcdef';
const COMMANDS = {
  // Plain text: held back by the screen, cut down to its last screens.
  plain: `head -c ${Math.round((OUTPUT_BYTES * 3) / 4)} /dev/urandom | base64`,
  // Coloured lines: every byte parsed by the terminal, its scrollback filled.
  coloured: `yes "$(printf '\\033[32mINFO\\033[0m ${LINE}')" | head -c ${OUTPUT_BYTES}`,
};
const MB = 1_000_000;

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** heapUsed + external after collecting garbage until it settles. */
async function retained(gc: () => void): Promise<number> {
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

async function measure(gc: () => void): Promise<void> {
  const lab = await labInChildProcess();
  try {
    await measureAgainst(lab.port, gc);
  } finally {
    await lab.stop();
  }
}

async function measureAgainst(labPort: number, gc: () => void): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'gatewalk-bench-'));
  const instance = startInstance({
    profileDirs: [packagePath('profiles')],
    runtimeRoot: root,
    watchProfiles: false,
    idleCloseMinutes: 0,
  });
  const client = new Client({ name: 'gatewalk-bench', version: '1.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await instance.newServer().connect(serverSide);
  await client.connect(clientSide);
  const call = async (name: string, args: Record<string, unknown>) => {
    const r = (await client.callTool({ name, arguments: args }, undefined, {
      timeout: 600_000,
    })) as CallToolResult;
    if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.content).slice(0, 500)}`);
    return r.structuredContent as Record<string, unknown>;
  };
  const open = async () =>
    String(
      (await call('open_session', { profile: PROFILE, params: { lab_port: labPort } })).session_id,
    );
  const run = async (id: string, cmd: string) => {
    const r = await call('execute_command', { session_id: id, command: cmd, timeout_s: 600 });
    if (r.status !== 'done' || r.exit_code !== 0)
      throw new Error(`${cmd}: ${String(r.status)} ${String(r.exit_code)}`);
    return Number(r.bytes);
  };
  const idle = () => new Promise((resolve) => setTimeout(resolve, IDLE_MS));

  /** One group of sessions, each printing OUTPUT_BYTES with `command`; MB per session. */
  const group = async (command: string) => {
    const before = await retained(gc);
    const ids = await pool(
      Array.from({ length: SESSIONS }, (_, i) => i),
      5,
      () => open(),
    );
    await idle();
    const opened = await retained(gc);
    const t0 = performance.now();
    const bytes = await pool(ids, 4, (id) => run(id, command));
    const seconds = (performance.now() - t0) / 1000;
    await idle();
    const after = await retained(gc);
    const sessions = instance.manager.all().filter((s) => ids.includes(s.id));
    const rawLog = sessions.reduce((sum, s) => sum + s.nav.pty.rawLog().length, 0) / SESSIONS;
    const rows = sessions.reduce((sum, s) => sum + s.nav.pty.screen.rowsKept, 0) / SESSIONS;
    const cols = sessions[0]?.nav.pty.size.cols ?? 0;
    await pool(ids, 5, (id) => call('close_session', { session_id: id }));
    const closed = await retained(gc);
    return {
      opened: (opened - before) / SESSIONS / MB,
      idle: (after - before) / SESSIONS / MB,
      closed: (closed - before) / SESSIONS / MB,
      printed: bytes.reduce((a, b) => a + b, 0) / SESSIONS / MB,
      seconds,
      rawLog: rawLog / MB,
      terminal: `${rows.toFixed(0)} rows x ${cols} cols ~ ${((rows * cols * 12) / MB).toFixed(2)} MB`,
    };
  };

  try {
    // Warm-up: modules loaded, code compiled, the first spill folder made.
    const warm = await open();
    for (const command of Object.values(COMMANDS)) await run(warm, command);
    await call('close_session', { session_id: warm });

    console.log(
      `session-memory: ${SESSIONS} sessions (${PROFILE}) per kind of output, through the MCP server; lab in a child process`,
    );
    let worst = 0;
    for (const [kind, command] of Object.entries(COMMANDS)) {
      const r = await group(command);
      worst = Math.max(worst, r.idle);
      console.log(
        `  ${kind} output, ${r.printed.toFixed(1)} MB of text a session (escape sequences not counted) in ${r.seconds.toFixed(1)} s`,
      );
      console.log(`    per session, just opened        ${r.opened.toFixed(2)} MB`);
      console.log(
        `    per idle session after output   ${r.idle.toFixed(2)} MB (heapUsed + external)`,
      );
      console.log(`    still held per closed session   ${r.closed.toFixed(2)} MB`);
      console.log(`    estimated: raw log ${r.rawLog.toFixed(2)} MB; terminal ${r.terminal}`);
    }
    console.log(
      `session-memory: ${worst.toFixed(2)} MB per idle session after ${(OUTPUT_BYTES / MB).toFixed(0)} MB of output (goal <= ${GOAL_MB} MB; xterm scrollback ${SCROLLBACK_ROWS} rows, was 1000)`,
    );
    if (worst > GOAL_MB) process.exitCode = 1;
  } finally {
    await client.close();
    await instance.shutdown('bench over');
    rmSync(root, { recursive: true, force: true });
  }
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc) await measure(gc);
else {
  // Start again with --expose-gc (`npm run bench` runs `node dist/bench/session-memory.js`).
  const child = spawn(
    process.execPath,
    ['--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exitCode = await new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))),
  );
}
