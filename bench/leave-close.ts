// Leaving benchmark: how long closing a session takes (leaving pod, master and menu, then the
// connection closing), and a whole `gatewalk run` (walk, one command, close), for the bash pod
// (orders-pod) and the busybox ash pod (alpine-pod) of the lab, interleaved in one run. ash
// asks the terminal where its cursor is at every prompt: an answer sent late used to land in the
// master's bash on the way out and cost the whole timeout. Target: the ash pod within 10 % of
// the bash pod, both for close and for run; close of a 3-hop session under 200 ms.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startLab } from '../lab/server.js';
import { closeSession, openSession } from '../src/navigator/session.js';
import { packagePath } from '../src/paths.js';
import { loadProfiles } from '../src/profiles/registry.js';
import { ShellExecutor } from '../src/shell/executor.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const CLI_RUNS = Number(process.env.BENCH_CLI_RUNS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const lab = await startLab({ port: 0 });
const { registry } = loadProfiles([packagePath('profiles')]);
const pods = ['orders-pod', 'alpine-pod'] as const;
const times = Object.fromEntries(
  pods.map((p) => [p, { close: [] as number[], run: [] as number[], cli: [] as number[] }]),
);
try {
  for (let i = -1; i < RUNS; i++) {
    for (const pod of pods) {
      const profile = registry.resolve(pod, { lab_port: lab.port });
      const lookup = (n: string) => registry.resolveVia(n);
      // A `gatewalk run` in process: walk, one command, leave every hop.
      const t0 = performance.now();
      const session = await openSession(profile, { lookup });
      const result = await new ShellExecutor(session).execute('echo ok');
      if (result.exit_code !== 0) throw new Error(`${pod}: ${JSON.stringify(result)}`);
      const t1 = performance.now();
      await closeSession(session);
      const t2 = performance.now();
      if (i >= 0) {
        times[pod]?.close.push(t2 - t1);
        times[pod]?.run.push(t2 - t0);
      }
    }
  }
  // The CLI end to end (node start-up included), fewer runs: each costs a process.
  const cli = packagePath('dist/src/cli/index.js');
  for (let i = 0; i < CLI_RUNS; i++) {
    for (const pod of pods) {
      const t0 = performance.now();
      // Asynchronously: the lab answers from this process.
      await promisify(execFile)(process.execPath, [
        cli,
        'run',
        pod,
        '-p',
        `lab_port=${lab.port}`,
        '--quiet',
        '--',
        'echo ok',
      ]);
      times[pod]?.cli.push(performance.now() - t0);
    }
  }
} finally {
  await lab.close();
}

console.log(`leave-close benchmark: ${RUNS} interleaved runs per pod against the lab`);
console.log('  metric                     bash pod     ash pod   ash/bash');
let worst = 0;
for (const [metric, label] of [
  ['close', 'close (3 hops + connection)'],
  ['run', 'run in process'],
  ['cli', `gatewalk run CLI (x${CLI_RUNS})`],
] as const) {
  const bash = median(times['orders-pod']?.[metric] ?? []);
  const ash = median(times['alpine-pod']?.[metric] ?? []);
  if (metric !== 'cli') worst = Math.max(worst, ash / bash);
  console.log(
    `  ${label.padEnd(26)} ${bash.toFixed(1).padStart(7)} ms ${ash.toFixed(1).padStart(8)} ms ${(ash / bash).toFixed(2).padStart(9)}`,
  );
}
const slowestClose = Math.max(
  median(times['orders-pod']?.close ?? []),
  median(times['alpine-pod']?.close ?? []),
);
console.log(
  `  target: ash within 10 % of bash (worst ratio ${worst.toFixed(2)}): ${worst <= 1.1 ? 'met' : 'NOT met'}; close under 200 ms (${slowestClose.toFixed(1)} ms): ${slowestClose < 200 ? 'met' : 'NOT met'}`,
);
