import { join } from 'node:path';
import nodePty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripAnsi } from '../../lab/driver.js';
import type { Lab } from '../../lab/server.js';
import { runDemoCommand } from '../../src/cli/demo-command.js';
import { runGraphCommand, runRunCommand } from '../../src/cli/nav-commands.js';
import { packagePath, packageRoot } from '../../src/paths.js';
import { collectingIo } from '../helpers/io.js';
import { labOnFreePort } from '../helpers/lab.js';

let lab: Lab;
beforeAll(async () => {
  lab = await labOnFreePort();
});
afterAll(() => lab.close());

const io = () => collectingIo();

describe('gatewalk run, graph and open', () => {
  it('run walks, runs one command and prints just its output', async () => {
    const t = io();
    const code = await runRunCommand(
      ['orders-pod', '-v', '-p', `lab_port=${lab.port}`, '--', 'grep -c ERROR var/log/app/app.log'],
      t.io,
    );
    expect(code).toBe(0);
    expect(t.out.join('')).toBe('3\n');
    expect(t.err[0]).toBe('gatewalk: [1/3] menu: waiting for /Target IP: $/');
    expect(t.err).toContain(
      'gatewalk: [3/3] pod: waiting for /Connected to pod / or /Error from server \\(NotFound\\)/ or /unable to upgrade connection/',
    );
    expect(t.err.at(-2)).toBe('gatewalk: [3/3] pod: waiting for /\\[pod:[^\\]]+\\]\\$ $/');
    expect(t.err.at(-1)).toMatch(
      /^gatewalk: orders-pod open in \d+ ms \(menu \d+ ms, master \d+ ms, pod \d+ ms\)$/,
    );
    const quiet = io();
    await runRunCommand(
      [
        'master-a',
        '-q',
        '-p',
        `lab_port=${lab.port}`,
        '-p',
        'user=app',
        '--',
        'echo "user=$(id -un) home=${HOME##*/}"',
      ],
      quiet.io,
    );
    expect(quiet.err).toEqual([]);
    expect(quiet.out.join('')).toMatch(/^user=\S+ home=home\n$/);
    // By default: one short line per hop, with the time since the start.
    const short = io();
    await runRunCommand(['orders-pod', '-p', `lab_port=${lab.port}`, '--', 'true'], short.io);
    expect(short.err.slice(0, 3).map((l) => l.replace(/\(\d+\.\d s\)$/, '(N s)'))).toEqual([
      'gatewalk: [1/3] menu… (N s)',
      'gatewalk: [2/3] master… (N s)',
      'gatewalk: [3/3] pod… (N s)',
    ]);
    expect(short.err.at(-1)).toMatch(/^gatewalk: orders-pod open in \d+ ms/);
  });

  it("run exits with the remote command's exit code", async () => {
    const t = io();
    expect(
      await runRunCommand(
        [
          'alpine-pod',
          '-q',
          '-p',
          `lab_port=${lab.port}`,
          '--',
          'echo out; exit_with() { return $1; }; exit_with 3',
        ],
        t.io,
      ),
    ).toBe(3);
    expect(t.out.join('')).toBe('out\n');
  });

  it('run gives up with 124 when the command does not end', async () => {
    const t = io();
    expect(
      await runRunCommand(
        ['orders-pod', '-q', '--timeout', '0.3', '-p', `lab_port=${lab.port}`, '--', 'sleep 5'],
        t.io,
      ),
    ).toBe(124);
    expect(t.err).toEqual(['gatewalk: no end within 0.3 s; giving up']);
  });

  it('demo drives the MCP server: profiles, orders-pod, commands, logs, a file, payments, close', async () => {
    const t = io();
    await runDemoCommand([], t.io);
    const out = t.out.join('');
    expect(out).toMatch(/> list_profiles\(\) {2}\(\d+ ms\)\n {2}alpine-pod: /);
    expect(out).toContain('  ... hop 3/3: pod');
    expect(out).toMatch(
      /> open_session\(profile: "orders-pod".*\n {2}session s_\S+ open at pod \(menu \d+ ms, master \d+ ms, pod \d+ ms\); prompt: \[pod:orders\/orders-api-7d9d65f8b4-2plxq ~\]\$/,
    );
    expect(out).toMatch(
      /> execute_command\(command: "hostname; id -un; pwd"\).*\n {2}exit 0 in \d+ ms\n/,
    );
    expect(out).toContain(
      '  var/log/app/app.log:5: 2026-11-20T08:15:07.310Z ERROR upstream timeout after 3000ms traceId=lab-timeout-001\n',
    );
    expect(out).toContain('    name: orders-api-7d9d65f8b4-2plxq\n');
    expect(out).toMatch(/exit 3 in \d+ ms/);
    expect(out).toContain(
      'now at payments-api-pod (pod); prompt: [pod:payments/payments-api-6cc447f559-k8mvp ~]$',
    );
    expect(out).toContain('closed: left every hop with its exit; transcript ');
    expect(out).not.toContain('ERROR\n');
  });

  it('graph prints a Mermaid state diagram of the walk', () => {
    const t = io();
    expect(runGraphCommand(['orders-pod'], t.io)).toBe(0);
    const graph = t.out.join('');
    expect(graph.startsWith('stateDiagram-v2\n')).toBe(true);
    for (const hop of [
      'state "1. menu" as hop1 {',
      'state "2. master" as hop2 {',
      'state "3. pod" as hop3 {',
    ]) {
      expect(graph).toContain(hop);
    }
    expect(graph).toContain('hop2_s2 --> hop2_s3 : /User number#58; $/');
    expect(graph).toContain('hop3_s2 --> hop3_failed : /Error from server \\(NotFound\\)/');
    expect(graph).toContain('hop3 --> ready');
  });

  it('open lands a person in the pod shell, and Ctrl-] detaches', async () => {
    const cli = nodePty.spawn(
      process.execPath,
      [
        packagePath('dist', 'src', 'cli', 'index.js'),
        'open',
        'orders-pod',
        '-p',
        `lab_port=${lab.port}`,
      ],
      {
        name: 'xterm',
        cols: 100,
        rows: 30,
        cwd: packageRoot(),
        env: { ...process.env, GATEWALK_PROFILES: join(packageRoot(), 'profiles') },
      },
    );
    let text = '';
    const exited = new Promise<number>((resolve) =>
      cli.onExit(({ exitCode }) => resolve(exitCode)),
    );
    const waitFor = (re: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${re} in:\n${text}`)), 10_000);
        const check = () => {
          if (re.test(text)) {
            clearTimeout(timer);
            resolve();
          }
        };
        cli.onData((d) => {
          text = stripAnsi(text + d);
          check();
        });
        check();
      });
    await waitFor(/\[pod:orders\/orders-api-7d9d65f8b4-2plxq ~\]\$ $/);
    cli.write('stty size; echo typed-$((40+2))\r');
    await waitFor(/30 100\ntyped-42\n/);
    cli.write('\x1d');
    await waitFor(/gatewalk: detached/);
    expect(await exited).toBe(0);
  });
});
