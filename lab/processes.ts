import { readdirSync, readFileSync } from 'node:fs';

/**
 * Reads one /proc file of every process (Linux; nothing elsewhere), skipping processes that end
 * while we look or that are not ours to read.
 */
function readEveryProcess<T>(file: string, parse: (text: string) => T): Map<number, T> {
  const found = new Map<number, T>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      found.set(Number(name), parse(readFileSync(`/proc/${name}/${file}`, 'utf8')));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

/** pid -> [parent pid, session id]. */
function processTable(): Map<number, [number, number]> {
  return readEveryProcess('stat', (stat): [number, number] => {
    // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [Number(fields[1]), Number(fields[3])];
  });
}

/**
 * Every process started under `leader`: its descendants and anything still in its session
 * (node-pty makes the shell a session leader). Background jobs and `nohup` included.
 */
export function processTree(leader: number): number[] {
  const table = processTable();
  const found = new Set<number>([leader]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, [ppid, sid]] of table) {
      if (!found.has(pid) && (found.has(ppid) || sid === leader)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return [...found].filter((pid) => pid === leader || table.has(pid));
}

/** Kills a shell and everything it started; returns the pids it signalled. */
export function killTree(leader: number): number[] {
  const pids = processTree(leader);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return pids;
}

/**
 * Kills what is left of a terminal session whose leader has exited: processes whose session id
 * is `leader`, but not `leader` itself, whose pid may already belong to someone else.
 */
export function killSessionMembers(leader: number): void {
  for (const [pid, [, sid]] of processTable()) {
    if (sid !== leader || pid === leader) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** True while `pid` exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Resolves once every pid has ended (SIGKILL is delivered asynchronously), or after
 * `timeoutMs`, with the pids still running. Used only when the lab stops.
 */
export async function waitForExit(pids: number[], timeoutMs = 3000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isRunning);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    alive = alive.filter(isRunning);
  }
  return alive;
}

/** Pids of live processes whose environment holds `marker` (`NAME=value`; Linux). */
export function processesCarrying(marker: string): number[] {
  const marked = readEveryProcess('environ', (env) => env.split('\0').includes(marker));
  return [...marked].flatMap(([pid, ours]) => (ours ? [pid] : []));
}

/** Pids of live processes whose environment carries `GATEWALK_LAB_ID=<labId>` (Linux). */
export function processesOfLab(labId: string): number[] {
  return processesCarrying(`GATEWALK_LAB_ID=${labId}`);
}

/** Resident memory of a process in KiB (0 when it is gone). */
export function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
