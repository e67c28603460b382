// Finding and stopping the processes of a real-OpenSSH conformance lab (Linux /proc), and the
// exit hook that kills the labs still open when the process exits.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { processesCarrying, processTree } from '../processes.js';

export { processesCarrying };

function signalAll(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/**
 * The listener, its descendants, and every process carrying the marker. The listener's pid is
 * used only while node has not reaped it (until then no other process can have that pid).
 */
export function labProcesses(sshd: ChildProcess, marker: string): number[] {
  const pids = new Set(processesCarrying(marker));
  const unreaped = sshd.exitCode === null && sshd.signalCode === null;
  if (unreaped && sshd.pid !== undefined) for (const pid of processTree(sshd.pid)) pids.add(pid);
  return [...pids];
}

/**
 * Stops every process of the lab without a race against forks: SIGSTOP what is found until a
 * look finds nothing new (a stopped process cannot fork), then SIGKILL them all.
 */
export function freezeAndKill(sshd: ChildProcess, marker: string): number[] {
  const stopped = new Set<number>();
  for (let round = 0; round < 50; round++) {
    const fresh = labProcesses(sshd, marker).filter((pid) => !stopped.has(pid));
    if (fresh.length === 0) break;
    signalAll(fresh, 'SIGSTOP');
    for (const pid of fresh) stopped.add(pid);
  }
  signalAll(stopped, 'SIGKILL');
  return [...stopped];
}

/** Labs still open: killed synchronously if the process exits without closing them. */
export const openLabs = new Map<string, { marker: string; sshd: ChildProcess; dir: string }>();
let exitHookInstalled = false;
export function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const lab of openLabs.values()) {
      freezeAndKill(lab.sshd, lab.marker);
      rmSync(lab.dir, { recursive: true, force: true });
    }
  });
}
