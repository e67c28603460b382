// Starts the lab in a child process, so a benchmark measures gatewalk's side alone (the lab
// would otherwise share this process's single JavaScript thread).
import { spawn, type ChildProcess } from 'node:child_process';
import { packagePath } from '../src/paths.js';

export async function labInChildProcess(
  args: string[] = [],
): Promise<{ port: number; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_LAB_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      packagePath('dist', 'src', 'cli', 'index.js'),
      'lab',
      '--port',
      '0',
      ...args,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the lab exited (${code}) before listening`)));
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
