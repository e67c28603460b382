// Command latency: 200 runs of `true` in a session standing in a pod behind the lab's CMSM menu
// and master (3 hops), next to the round trip of a raw ssh2 `exec` channel on the same lab in
// the same run. Targets: p50 under 5 ms, and no more than the raw exec round trip.
import ssh2 from 'ssh2';
import { LAB_CLIENT_KEY, startLab } from '../lab/server.js';
import { closeSession, openSession } from '../src/navigator/session.js';
import { loadProfiles } from '../src/profiles/registry.js';
import { packagePath } from '../src/paths.js';
import { ShellExecutor } from '../src/shell/executor.js';
import { readFileSync } from 'node:fs';

const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;

const lab = await startLab({ port: 0, allowExec: true });
try {
  const { registry } = loadProfiles([packagePath('profiles')]);
  const profile = registry.resolve('orders-pod', { lab_port: lab.port });
  const session = await openSession(profile, { lookup: (n) => registry.resolveVia(n) });
  const sh = new ShellExecutor(session);
  await sh.execute('true');
  const framed: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = await sh.execute('true');
    framed.push(performance.now() - t0);
    if (r.exit_code !== 0) throw new Error('true failed');
  }
  await closeSession(session);

  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.on('ready', () => resolve()).on('error', reject);
    client.connect({
      host: '127.0.0.1',
      port: lab.port,
      username: 'ops',
      privateKey: readFileSync(LAB_CLIENT_KEY),
      hostVerifier: () => true,
    });
  });
  client.setNoDelay(true);
  const raw: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 100); i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      client.exec('true', (err, stream) => {
        if (err) return reject(err);
        stream.resume();
        stream.on('close', () => resolve());
      });
    });
    raw.push(performance.now() - t0);
  }
  client.end();

  console.log(
    `exec-latency: \`true\` x ${RUNS} in orders-pod (3 hops) vs a raw ssh2 exec channel, same lab, same run`,
  );
  console.log(
    `  framed command   p50 ${q(framed, 0.5).toFixed(2)} ms   p99 ${q(framed, 0.99).toFixed(2)} ms`,
  );
  console.log(
    `  raw exec channel p50 ${q(raw, 0.5).toFixed(2)} ms   p99 ${q(raw, 0.99).toFixed(2)} ms`,
  );
  console.log(
    `  ratio p50 framed/raw ${(q(framed, 0.5) / q(raw, 0.5)).toFixed(2)}x (target: p50 < 5 ms and <= raw)`,
  );
} finally {
  await lab.close();
}
