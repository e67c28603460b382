// `gatewalk run` end to end (issue 12, figure 4): `gatewalk run ash-pod -- true` through the
// 3 hops of the real-OpenSSH lab (koko's menu -> the k8s-master-01 asset -> kubectl exec into the
// busybox ash pod), the whole process timed from spawn to exit, next to `expect` driving the
// system `ssh` through the same walk in the same run, interleaved: log in, pick the asset and
// the account, kubectl exec, `true`, then leave as gatewalk does (exit, exit, a key for "Press
// any key to continue", q). Like a terminal, the expect script answers ash's cursor-position
// query at each prompt. Goal: gatewalk <= 1.1x expect.
// WALK_RUN_CLI=path/to/dist/src/cli/index.js measures another build (e.g. an older checkout).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { figureLine, ms, p50, p99, run, sshOptions, timed } from './floors.js';
import { CLI, WALK, benchLab } from './mcp-stdio.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const GATEWALK = process.env.WALK_RUN_CLI ?? CLI;

if (spawnSync('expect', ['-v']).error) {
  console.log('walk-run: `expect` is missing: install it with `apt-get install expect` (skipped)');
  process.exit(0);
}

/**
 * The expect script: argv is the ssh command line. Each wait fails the script (exit 2) on a
 * timeout or an early EOF. The pod's prompt is followed by ash's `ESC[6n`: answered at once,
 * before anything is typed, as a terminal would: the cursor after `/ # ` on the bottom row (row 1 would be a lie,
 * and hangs busybox's line editor).
 */
const SCRIPT = String.raw`
set timeout 20
log_user 0
# The terminal ssh sees: 200x50, as the navigator's PTY (expect's own stdin is no terminal).
set stty_init "rows 50 columns 200"
proc fail {what} {
  set seen ""
  expect -timeout 0 -re {.+} { set seen $expect_out(buffer) }
  puts stderr "expect: no $what; last output: [string range $seen end-400 end]"
  exit 2
}
proc await {re what} {
  expect {
    -re $re {}
    timeout { fail $what }
    eof { fail $what }
  }
}
proc pod_prompt {} {
  expect {
    -re {(^|\n)/[^\n]* # \x1b\[6n} { send "\033\[50;5R" }
    timeout { fail "pod prompt" }
    eof { fail "pod prompt" }
  }
}
spawn -noecho {*}$argv
await {Opt> $} "menu"
send "${WALK.asset}\r"
await {ID> $} "account prompt"
send "${WALK.account}\r"
await {\]\$ $} "master prompt"
send "${WALK.kubectl.replaceAll('"', '\\"').replaceAll('$', '\\$')}\r"
pod_prompt
send "true\r"
pod_prompt
send "exit\r"
await {\]\$ $} "master prompt after the pod"
send "exit\r"
await {Press any key to continue} "Press any key"
send "\r"
await {Opt> $} "menu after the master"
send "q\r"
expect {
  eof {}
  timeout { fail "end of the session" }
}
set status [lindex [wait] 3]
exit $status
`;

const { lab, profiles, close } = await benchLab();
const dir = mkdtempSync(join(tmpdir(), 'gatewalk-bench-expect-'));
try {
  const script = join(dir, 'walk.exp');
  writeFileSync(script, SCRIPT);
  const ssh = [
    'ssh',
    '-tt',
    ...sshOptions(lab),
    '-o',
    'ControlPath=none',
    '-i',
    lab.key('koko'),
    `${lab.user}@127.0.0.1`,
  ];
  const gatewalk = async () => {
    const out = await run(process.execPath, [
      GATEWALK,
      'run',
      'ash-pod',
      '--profiles',
      profiles,
      '--quiet',
      '--',
      'true',
    ]);
    if (out !== '') throw new Error(`gatewalk run printed ${JSON.stringify(out)}`);
  };
  const expectWalk = () => run('expect', ['-f', script, ...ssh]);
  // For scale: the CLI's start-up alone (node, gatewalk's modules), no walk.
  const startup = () => run(process.execPath, [GATEWALK, '--version']);
  const times = { gatewalk: [] as number[], expect: [] as number[], startup: [] as number[] };
  for (let i = -1; i < RUNS; i++) {
    // Interleaved, the order rotated each round.
    const all = [
      ['gatewalk', gatewalk],
      ['expect', expectWalk],
      ['startup', startup],
    ] as const;
    const k = (i + 1) % all.length;
    for (const [name, fn] of [...all.slice(k), ...all.slice(0, k)]) {
      const t = await timed(fn);
      if (i >= 0) times[name].push(t);
    }
  }
  console.log(
    `walk-run: ${RUNS} interleaved runs each, menu -> master -> ash pod on the real OpenSSH lab (sshd ${lab.port}; ${GATEWALK})`,
  );
  for (const [label, xs] of [
    ['gatewalk run ash-pod -- true', times.gatewalk],
    ['expect + ssh, same walk and leave', times.expect],
    ['  for scale: gatewalk --version', times.startup],
  ] as const)
    console.log(`  ${label.padEnd(36)} p50 ${ms(p50(xs)).padStart(9)}   p99 ${ms(p99(xs))}`);
  figureLine(
    '4 gatewalk run, 3 hops to the ash pod, whole process',
    `p50 ${ms(p50(times.gatewalk))}`,
    `expect + ssh ${ms(p50(times.expect))}`,
    p50(times.gatewalk) / p50(times.expect),
    { at: 1.1, atMost: true },
  );
  console.log(
    `  p99: ${ms(p99(times.gatewalk))} vs ${ms(p99(times.expect))} = ${(p99(times.gatewalk) / p99(times.expect)).toFixed(2)}x`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  await close();
}
