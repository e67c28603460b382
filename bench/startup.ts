// Start-up benchmark: how long the gatewalk command takes to start, against a bare `node -e 0`
// measured in the same run (the machine's speed cancels out of the ratio). Interleaved runs,
// medians:
//   - `gatewalk --version`, spawn to exit: goal <= 1.5x node -e 0;
//   - `gatewalk serve` answering MCP `initialize` over stdio (spawn, send the request line, time
//     to the response line), with the live viewer on a free port: goal <= 300 ms;
//   - `gatewalk validate profiles/lab.yaml` (YAML, schema and lint of the lab's profiles), for
//     reference.
// STARTUP_CLI=path/to/dist/src/cli/index.js measures another build (e.g. an older checkout).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../src/paths.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const CLI = process.env.STARTUP_CLI ?? packagePath('dist', 'src', 'cli', 'index.js');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Spawn to exit, in ms; fails on a non-zero exit. */
function timeExit(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`node ${args.join(' ')} exited with ${code}: ${stderr}`));
    });
  });
}

const INITIALIZE = `${JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'gatewalk-startup-bench', version: '1' },
  },
})}\n`;

/** Spawn of `gatewalk serve` to its answer to `initialize`, in ms; then stops it (stdin closed). */
function timeServe(runtime: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = ['serve', '--profiles', packagePath('profiles'), '--runtime', runtime];
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args, '--viewer-port', '0'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let answered: number | undefined;
    const timer = setTimeout(() => child.kill(), 20_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (answered !== undefined || !stdout.includes('\n')) return;
      answered = performance.now() - t0;
      child.stdin.end();
    });
    child.on('error', reject);
    // Resolved at exit, so that no server is still stopping while the next process starts.
    child.on('exit', () => {
      clearTimeout(timer);
      const line = stdout.split('\n')[0] ?? '';
      if (answered !== undefined && line.includes('"protocolVersion"')) resolve(answered);
      else reject(new Error(`serve did not answer initialize: ${line}\n${stderr}`));
    });
    child.stdin.write(INITIALIZE);
  });
}

const runtime = mkdtempSync(join(tmpdir(), 'gatewalk-startup-'));
const times = { node: [] as number[], version: [] as number[], serve: [] as number[] };
const validate: number[] = [];
try {
  // Round -1 warms the file cache and is not counted.
  for (let i = -1; i < RUNS; i++) {
    const node = await timeExit(['-e', '0']);
    const version = await timeExit([CLI, '--version']);
    const serve = await timeServe(runtime);
    const valid = await timeExit([CLI, 'validate', packagePath('profiles', 'lab.yaml')]);
    if (i < 0) continue;
    times.node.push(node);
    times.version.push(version);
    times.serve.push(serve);
    validate.push(valid);
  }
} finally {
  rmSync(runtime, { recursive: true, force: true });
}

const node = median(times.node);
const version = median(times.version);
const serve = median(times.serve);
const valid = median(validate);
const ms = (x: number) => `${x.toFixed(0)} ms`;
const ratio = (x: number) => `${(x / node).toFixed(2)}x`;
console.log(`startup benchmark: ${RUNS} interleaved runs, medians (${CLI})`);
console.log(
  `startup: gatewalk --version ${ms(version)} vs node -e 0 ${ms(node)} = ${ratio(version)} (goal <= 1.5x)`,
);
console.log(
  `startup: gatewalk serve answers initialize in ${ms(serve)} (goal <= 300 ms) = ${ratio(serve)} node -e 0`,
);
console.log(
  `startup: gatewalk validate profiles/lab.yaml ${ms(valid)} = ${ratio(valid)} node -e 0 (reference)`,
);
