// MCP throughput (issue 12, figure 5): `cat` of a 50 MB file over MCP stdio
// (`execute_command` on the direct host of the real-OpenSSH lab, timed from the call to its
// result: the output is kept in memory up to its budget, the rest spilled to a file, and the
// result carries only head and tail), next to the same file read on a bare ssh2 exec channel
// (no PTY) and on a bare PTY shell channel to the same sshd in the same run, interleaved. MB/s
// of the file's size for each. Goal >= 0.8 of the bare PTY channel, the raw channel of the kind
// an interactive session needs; the exec channel is printed for scale (no terminal at all).
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cleanups, RawExec, figureLine, p50 } from './floors.js';
import { benchLab, serveStdio } from './mcp-stdio.js';

const SIZE = Number(process.env.BENCH_BYTES ?? 50_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const { lab, profiles, close } = await benchLab();
const cleanups = new Cleanups();
cleanups.add(close);
try {
  // Log-like text lines, as a `cat` of a log would bring.
  const line = 'INFO 2026-11-20T08:00:00Z GET /api/orders 200 3ms traceId=bench-0123456789\n';
  const file = join(lab.home('bash'), 'big.log');
  writeFileSync(file, line.repeat(Math.ceil(SIZE / line.length)).slice(0, SIZE));
  cleanups.add(() => rmSync(file, { force: true }));
  if (statSync(file).size !== SIZE) throw new Error('the test file has the wrong size');

  const served = await serveStdio(profiles);
  cleanups.add(() => served.close());
  const opened = await served.call('open_session', { profile: 'direct' });
  const sessionId = opened.session_id as string;
  await served.call('execute_command', { session_id: sessionId, command: 'true' });
  const raw = await RawExec.open(lab);
  cleanups.add(() => raw.close());

  const mcp: number[] = [];
  const bare: number[] = [];
  const pty: number[] = [];
  let last: Record<string, unknown> = {};
  for (let i = -1; i < RUNS; i++) {
    const t0 = performance.now();
    last = await served.call('execute_command', {
      session_id: sessionId,
      command: 'cat big.log',
      timeout_s: 600,
    });
    const seconds = (performance.now() - t0) / 1000;
    if (last.status !== 'done' || last.exit_code !== 0)
      throw new Error(`execute_command cat: ${last.status} ${last.exit_code}`);
    const rawSeconds = await raw.cat(file, SIZE);
    const ptySeconds = await raw.catOnPty(file);
    if (i >= 0) {
      mcp.push(SIZE / 1e6 / seconds);
      bare.push(SIZE / 1e6 / rawSeconds);
      pty.push(SIZE / 1e6 / ptySeconds);
    }
  }
  const output = String(last.output ?? '');
  console.log(
    `mcp-throughput: cat of ${(SIZE / 1e6).toFixed(0)} MB x ${RUNS} interleaved, gatewalk serve over stdio vs a bare ssh2 exec channel, real OpenSSH lab (sshd ${lab.port})`,
  );
  console.log(
    `  execute_command: ${mcp.map((x) => x.toFixed(1)).join(', ')} MB/s; ${last.bytes} bytes of output, result ${output.length} characters, truncated ${last.truncated}`,
  );
  console.log(`  bare PTY shell channel: ${pty.map((x) => x.toFixed(1)).join(', ')} MB/s`);
  console.log(
    `  for scale, bare exec channel without a PTY: ${bare.map((x) => x.toFixed(1)).join(', ')} MB/s (gatewalk reaches ${((p50(mcp) / p50(bare)) * 100).toFixed(0)}% of it: a session is a terminal, and sshd reads a PTY in small pieces)`,
  );
  // The raw channel of the kind gatewalk must use: an interactive session has a PTY.
  figureLine(
    `5 cat ${(SIZE / 1e6).toFixed(0)} MB over MCP stdio`,
    `median ${p50(mcp).toFixed(1)} MB/s`,
    `bare ssh2 PTY shell channel ${p50(pty).toFixed(1)} MB/s`,
    p50(mcp) / p50(pty),
    { at: 0.8, atMost: false },
  );
  await served.call('close_session', { session_id: sessionId });
} finally {
  await cleanups.run();
}
