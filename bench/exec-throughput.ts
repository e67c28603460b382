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

const SIZE = Number(process.env.BENCH_BYTES ?? 50_000_000);
const lab = await labInChildProcess();
try {
  const { registry } = loadProfiles([packagePath('profiles')]);
  const session = await openSession(registry.resolve('orders-pod', { lab_port: lab.port }), {
    lookup: (n) => registry.resolveVia(n),
  });
  const spillDir = mkdtempSync(join(tmpdir(), 'gatewalk-bench-'));
  const sh = new ShellExecutor(session, { spillDir });
  await sh.execute(
    `yes 'INFO 2026-11-20T08:00:00Z GET /api/orders 200 3ms traceId=bench' | head -c ${SIZE} > big.log`,
    { timeoutMs: 120_000 },
  );
  const t0 = performance.now();
  const r = await sh.execute('cat big.log', { timeoutMs: 600_000 });
  const seconds = (performance.now() - t0) / 1000;
  const spill = /The full output is in (\S+\.out);/.exec(r.output)?.[1];
  const peakMb = process.resourceUsage().maxRSS / 1024;
  console.log(`exec-throughput: cat of ${(SIZE / 1e6).toFixed(0)} MB in orders-pod (3 hops)`);
  console.log(
    `  status ${r.status}, exit ${r.exit_code}, ${r.bytes} bytes, spilled ${spill ? statSync(spill).size : 0} bytes`,
  );
  console.log(
    `  ${(r.bytes / 1e6 / seconds).toFixed(1)} MB/s (target >= 50), peak RSS ${peakMb.toFixed(0)} MB (target < 200)`,
  );
  await closeSession(session);
} finally {
  await lab.stop();
}
