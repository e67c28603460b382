// Lab capacity benchmark: how one session's walk CMSM -> master -> pod -> command slows down
// when 50 run at once, and how much memory the lab holds per session. Ratios are against a
// baseline measured in the same run (sequential single sessions), so the figures compare across
// machines. Exits non-zero if any of the concurrent sessions fails.
import { LabClient } from '../lab/driver.js';
import { processesOfLab, rssKiB } from '../lab/processes.js';
import { startLab, type Lab } from '../lab/server.js';

const CONCURRENT = Number(process.env.BENCH_SESSIONS ?? 50);
const BASELINE_RUNS = 5;
const POD = 'orders-api-7d9d65f8b4-2plxq';
const POD_PROMPT = /\[pod:orders\/orders-api-7d9d65f8b4-2plxq ~\]\$ $/;

async function walk(lab: Lab, i: number): Promise<{ ms: number; client: LabClient }> {
  const t0 = performance.now();
  const c = await LabClient.connect({
    port: lab.port,
    password: 'lab',
    fingerprint: lab.fingerprint,
  });
  await c.expect('Target IP: ', 30_000);
  await c.answer('master-a', 'User number: ', 30_000);
  await c.answer('2', /\]# $/, 30_000);
  await c.answer(`kubectl exec -it ${POD} -n orders -- bash`, POD_PROMPT, 30_000);
  await c.answer(`echo bench-$((${i} + 1000))`, new RegExp(`bench-${i + 1000}\\n`), 30_000);
  return { ms: performance.now() - t0, client: c };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

const lab = await startLab({ port: 0 });
try {
  await walk(lab, -1).then((r) => r.client.close()); // warm-up: module loads, first fork
  const baseline: number[] = [];
  for (let i = 0; i < BASELINE_RUNS; i++) {
    const r = await walk(lab, i);
    baseline.push(r.ms);
    r.client.close();
  }
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const results = await Promise.allSettled(
    Array.from({ length: CONCURRENT }, (_, i) => walk(lab, i)),
  );
  const wall = performance.now() - t0;
  const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
  const rssDuring = process.memoryUsage().rss;
  const shells = lab.shellPids().length;
  const children = processesOfLab(lab.labId);
  const childrenKiB = children.reduce((sum, pid) => sum + rssKiB(pid), 0);
  for (const r of ok) r.client.close();

  const base = quantile(baseline, 0.5);
  const p50 = quantile(
    ok.map((r) => r.ms),
    0.5,
  );
  const p95 = quantile(
    ok.map((r) => r.ms),
    0.95,
  );
  console.log(
    `lab sessions benchmark (${CONCURRENT} concurrent, baseline: ${BASELINE_RUNS} sequential)`,
  );
  console.log(`  baseline walk p50          ${base.toFixed(1)} ms`);
  console.log(`  concurrent walk p50 / p95  ${p50.toFixed(1)} / ${p95.toFixed(1)} ms`);
  console.log(`  ratio p50 concurrent/base  ${(p50 / base).toFixed(2)}x`);
  console.log(
    `  wall for all ${CONCURRENT}            ${wall.toFixed(0)} ms (${(wall / base).toFixed(2)}x one walk)`,
  );
  console.log(`  sessions ok / shells live  ${ok.length}/${CONCURRENT} / ${shells}`);
  console.log(
    `  lab RSS per open session   ${((rssDuring - rssBefore) / 1024 / CONCURRENT).toFixed(0)} KiB (in-process lab + clients)`,
  );
  console.log(
    `  processes per session      ${(children.length / CONCURRENT).toFixed(1)}, ${(childrenKiB / CONCURRENT).toFixed(0)} KiB RSS (bash, kubectl wrapper, pod bash)`,
  );
  if (failed.length > 0) {
    console.error(`FAILED sessions: ${failed.length}\n  ${failed.slice(0, 3).join('\n  ')}`);
    process.exitCode = 1;
  }
} finally {
  await lab.close();
}
