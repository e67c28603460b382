// Navigator benchmark: walks orders-pod against the lab 20 times and prints, per hop, the
// median time the walk took next to the lab's own response time measured in the same run
// (from the first input the lab received for that hop to its last output before the hop was
// done). The difference is the navigator's overhead: loopback, SSH crypto, matching, the
// machine. Target: under 5 ms per hop (median).
import { startLab } from '../lab/server.js';
import { closeSession, openSession } from '../src/navigator/session.js';
import { loadProfiles } from '../src/profiles/registry.js';
import { packagePath } from '../src/paths.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const events: { dir: 'in' | 'out'; t: number }[] = [];
const lab = await startLab({ port: 0, onIo: (dir) => events.push({ dir, t: performance.now() }) });
const { registry } = loadProfiles([packagePath('profiles')]);
const profile = registry.resolve('orders-pod', { lab_port: lab.port });
const perHop = new Map<string, { walk: number[]; lab: number[] }>();
const totals: number[] = [];
try {
  for (let run = -1; run < RUNS; run++) {
    events.length = 0;
    const t0 = performance.now();
    const session = await openSession(profile, { lookup: (n) => registry.resolveVia(n) });
    totals.push(performance.now() - t0);
    const { walk } = session;
    for (const hop of walk.hops) {
      const start = walk.startedAt + hop.at;
      const end = start + hop.ms;
      const inputs = events.filter((e) => e.dir === 'in' && e.t >= start && e.t <= end);
      const outputs = events.filter((e) => e.dir === 'out' && e.t >= start && e.t <= end);
      const first = inputs[0]?.t;
      const last = outputs.at(-1)?.t;
      if (run >= 0 && first !== undefined && last !== undefined) {
        const entry = perHop.get(hop.name) ?? { walk: [], lab: [] };
        // From the lab's first input of the hop: the client's send happened just before it.
        entry.walk.push(end - first);
        entry.lab.push(last - first);
        perHop.set(hop.name, entry);
      }
    }
    await closeSession(session);
  }
} finally {
  await lab.close();
}
totals.shift(); // the warm-up run
console.log(
  `open-session benchmark: orders-pod x ${RUNS} against the lab (same process, loopback)`,
);
console.log(`  whole open (connect + 3 hops) median   ${median(totals).toFixed(1)} ms`);
console.log('  hop      walk median   lab median   navigator overhead');
let worst = 0;
for (const [name, { walk, lab: labMs }] of perHop) {
  const overhead = median(walk.map((w, i) => w - (labMs[i] ?? 0)));
  worst = Math.max(worst, overhead);
  console.log(
    `  ${name.padEnd(8)} ${median(walk).toFixed(2).padStart(8)} ms ${median(labMs).toFixed(2).padStart(9)} ms ${overhead.toFixed(2).padStart(12)} ms`,
  );
}
console.log(`  worst median overhead per hop: ${worst.toFixed(2)} ms (target < 5 ms)`);
if (worst >= 5) process.exitCode = 1;
