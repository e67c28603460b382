// Output throughput: `cat` of a 50 MB file in the lab's orders pod through 3 hops; prints MB/s
// and the peak RSS of gatewalk's process (the lab runs in a child process). Targets: at least
// 50 MB/s, peak RSS under 200 MB.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labInChildProcess } from './lab-process.js';
import { closeSession, openSession } from '../src/navigator/session.js';
import { loadProfiles } from '../src/profiles/registry.js';
import { packagePath } from '../src/paths.js';
import { ShellExecutor } from '../src/shell/executor.js';
import type { ClientChannel } from 'ssh2';

const SIZE = Number(process.env.BENCH_BYTES ?? 50_000_000);
const lab = await labInChildProcess();
try {
  const { registry } = loadProfiles([packagePath('profiles')]);
  const session = await openSession(registry.resolve('orders-pod', { lab_port: lab.port }), {
    lookup: (n) => registry.resolveVia(n),
  });
  const spillDir = mkdtempSync(join(tmpdir(), 'gatewalk-bench-'));
  await rawRun(
    session.pty.channel,
    `yes 'INFO 2026-11-20T08:00:00Z GET /api/orders 200 3ms traceId=bench' | head -c ${SIZE} > big.log`,
    0,
  );
  const sh = new ShellExecutor(session, { spillDir });
  const t0 = performance.now();
  const r = await sh.execute('cat big.log', { timeoutMs: 600_000 });
  const seconds = (performance.now() - t0) / 1000;
  const spill = /The whole output is kept \((\S+\.out)\)/.exec(r.output)?.[1];
  const peakMb = process.resourceUsage().maxRSS / 1024;
  const rawSeconds = await rawRun(session.pty.channel, 'cat big.log', SIZE);
  console.log(`exec-throughput: cat of ${(SIZE / 1e6).toFixed(0)} MB in orders-pod (3 hops)`);
  console.log(
    `  status ${r.status}, exit ${r.exit_code}, ${r.bytes} bytes, spilled ${spill ? statSync(spill).size : 0} bytes`,
  );
  const rate = r.bytes / 1e6 / seconds;
  const rawRate = SIZE / 1e6 / rawSeconds;
  console.log(
    `  ${rate.toFixed(1)} MB/s (target >= 50), peak RSS ${peakMb.toFixed(0)} MB (target < 200)`,
  );
  console.log(
    `  baseline: the raw channel carries the same cat at ${rawRate.toFixed(1)} MB/s; gatewalk reaches ${((rate / rawRate) * 100).toFixed(0)}% of it`,
  );
  await closeSession(session);
} finally {
  await lab.stop();
}

/**
 * The baseline, same channel, same run: a command run on the bare SSH channel (the session's
 * terminal detached), counting bytes up to an end mark: no terminal, no escape stripping, no
 * framing. Returns the seconds until the mark arrived after `size` bytes.
 */
async function rawRun(channel: ClientChannel, command: string, size: number): Promise<number> {
  const detached = channel.listeners('data') as ((chunk: Buffer) => void)[];
  channel.removeAllListeners('data');
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let seen = 0;
    let tail = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      // Only the end can hold the mark: a short tail is searched, never the whole stream.
      tail = (tail + chunk.toString('latin1', Math.max(0, chunk.length - 64))).slice(-128);
      if (seen > size && tail.includes('RAWDONE\r\n')) {
        channel.off('data', onData);
        resolve();
      }
    };
    channel.on('data', onData);
    channel.write(` ${command}; echo RAW''DONE\r`);
  });
  const seconds = (performance.now() - t0) / 1000;
  for (const listener of detached) channel.on('data', listener);
  return seconds;
}
