// MCP latency (issue 12, figures 1-3): `execute_command true` over MCP stdio, against the
// built `gatewalk serve` and the real-OpenSSH lab (the system sshd on loopback), next to floors
// and baselines measured in the same run, interleaved round by round:
//   1. on a direct host (the lab's bash entry) vs the sum of two floors: one MCP round trip
//      that does no SSH work (the SDK's ping over the same stdio) and one raw PTY round trip
//      on an ssh2 shell channel to the same sshd. Goal <= 2.0x.
//   2. the same vs `ssh -S sock host true` over an OpenSSH ControlMaster. Goal <= 0.15x.
//   3. in the busybox ash pod 3 hops in (menu -> master -> kubectl exec) vs the MCP ping plus a
//      raw PTY round trip at that pod (walked by hand on a raw ssh2 channel). Goal <= 2.5x.
import { Cleanups, ControlMaster, RawEcho, figureLine, ms, p50, p99, timed } from './floors.js';
import { benchLab, serveStdio } from './mcp-stdio.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const WARMUP = 10;

const { lab, profiles, close } = await benchLab();
const cleanups = new Cleanups();
cleanups.add(close);
try {
  const served = await serveStdio(profiles);
  cleanups.add(() => served.close());
  const open = async (profile: string) => {
    const r = await served.call('open_session', { profile });
    return r.session_id as string;
  };
  const direct = await open('direct');
  const pod = await open('ash-pod');
  const exec = (sessionId: string) => async () => {
    const r = await served.call('execute_command', { session_id: sessionId, command: 'true' });
    if (r.status !== 'done' || r.exit_code !== 0)
      throw new Error(`execute_command true: ${JSON.stringify(r)}`);
  };
  const hostEcho = await RawEcho.atHost(lab);
  cleanups.add(() => hostEcho.close());
  const podEcho = await RawEcho.atPod(lab);
  cleanups.add(() => podEcho.close());
  const master = await ControlMaster.start(lab);
  cleanups.add(() => master.close());

  const samples = {
    ping: [] as number[],
    hostEcho: [] as number[],
    podEcho: [] as number[],
    direct: [] as number[],
    pod: [] as number[],
    sshS: [] as number[],
    forced: [] as number[],
    bashTrue: [] as number[],
  };
  const measures: [keyof typeof samples, () => Promise<unknown>][] = [
    ['ping', () => served.client.ping()],
    ['hostEcho', () => hostEcho.roundTrip()],
    ['direct', exec(direct)],
    ['podEcho', () => podEcho.roundTrip()],
    ['pod', exec(pod)],
    ['sshS', () => master.run()],
    ['forced', () => master.forcedLocally()],
    ['bashTrue', () => master.trueLocally()],
  ];
  for (let i = -WARMUP; i < RUNS; i++) {
    // Interleaved, the order rotated each round: none always runs right after a process spawn.
    for (let k = 0; k < measures.length; k++) {
      const [name, fn] = measures[(i + WARMUP + k) % measures.length]!;
      const t = await timed(fn);
      if (i >= 0) samples[name].push(t);
    }
  }

  const s = samples;
  console.log(
    `mcp-latency: ${RUNS} interleaved rounds, gatewalk serve over stdio, real OpenSSH lab (sshd ${lab.port})`,
  );
  const row = (label: string, xs: number[]) =>
    console.log(`  ${label.padEnd(44)} p50 ${ms(p50(xs)).padStart(9)}   p99 ${ms(p99(xs))}`);
  row('MCP ping (no SSH work)', s.ping);
  row('raw PTY round trip, direct host', s.hostEcho);
  row('raw PTY round trip, ash pod (3 hops)', s.podEcho);
  row('execute_command true, direct host', s.direct);
  row('execute_command true, ash pod (3 hops)', s.pod);
  row('ssh -S sock host true (ControlMaster)', s.sshS);
  row("  of which: the lab's forced command, locally", s.forced);
  row('  for scale: bash -c true, locally', s.bashTrue);

  const floor1 = p50(s.ping) + p50(s.hostEcho);
  figureLine(
    '1 execute_command true, stdio, direct host',
    `p50 ${ms(p50(s.direct))}`,
    `MCP ping + raw PTY round trip ${ms(p50(s.ping))} + ${ms(p50(s.hostEcho))} = ${ms(floor1)}`,
    p50(s.direct) / floor1,
    { at: 2.0, atMost: true },
  );
  console.log(
    `  p99: ${ms(p99(s.direct))} vs ${ms(p99(s.ping) + p99(s.hostEcho))} = ${(p99(s.direct) / (p99(s.ping) + p99(s.hostEcho))).toFixed(2)}x`,
  );
  figureLine(
    '2 execute_command true vs ControlMaster',
    `p50 ${ms(p50(s.direct))}`,
    `ssh -S sock host true ${ms(p50(s.sshS))}`,
    p50(s.direct) / p50(s.sshS),
    { at: 0.15, atMost: true },
  );
  // sshd runs the lab's forced command instead of `true`: the spawn minus its extra cost.
  const adjusted = p50(s.sshS) - p50(s.forced) + p50(s.bashTrue);
  console.log(
    `  p99: ${ms(p99(s.direct))} vs ${ms(p99(s.sshS))} = ${(p99(s.direct) / p99(s.sshS)).toFixed(2)}x; with the forced command's local cost swapped for bash -c true's, the baseline is ${ms(adjusted)} (${(p50(s.direct) / adjusted).toFixed(2)}x)`,
  );
  const floor3 = p50(s.ping) + p50(s.podEcho);
  figureLine(
    '3 execute_command true, stdio, ash pod (3 hops)',
    `p50 ${ms(p50(s.pod))}`,
    `MCP ping + raw PTY round trip at the pod ${ms(p50(s.ping))} + ${ms(p50(s.podEcho))} = ${ms(floor3)}`,
    p50(s.pod) / floor3,
    { at: 2.5, atMost: true },
  );
  console.log(
    `  p99: ${ms(p99(s.pod))} vs ${ms(p99(s.ping) + p99(s.podEcho))} = ${(p99(s.pod) / (p99(s.ping) + p99(s.podEcho))).toFixed(2)}x`,
  );
  await served.call('close_session', { session_id: pod });
  await served.call('close_session', { session_id: direct });
} finally {
  await cleanups.run();
}
