// How a long call tells the client it is alive and what it waits for: MCP progress notifications
// when the client gave a progress token, or the task's status message when the call runs as an
// MCP task. A tick (every few seconds) only reports; nothing decides completion on a timer.
import type { WalkProgress } from '../navigator/walk.js';
import type { RunProgress } from '../shell/running.js';
import type { Extra } from './result.js';

/** Seconds between "still working" reports of a long call (tests may shorten it). */
export const PROGRESS_EVERY_MS = 5000;

/** Sends an MCP progress notification when the client asked for progress. */
export function progress(extra: Extra, done: number, total: number, message: string): void {
  const token = extra._meta?.progressToken;
  // A task's request has been answered already: its status message carries the progress.
  if (token === undefined || extra.taskId) return;
  void extra
    .sendNotification({
      method: 'notifications/progress',
      params: { progressToken: token, progress: done, ...(total ? { total } : {}), message },
    })
    .catch(() => undefined);
}

/** Sets a task's status message (clients see it in tasks/get and notifications/tasks/status). */
function taskStatus(extra: Extra, message: string): void {
  const { taskId, taskStore } = extra;
  if (!taskId || !taskStore) return;
  void (async () => {
    const task = await taskStore.getTask(taskId);
    // input_required (a question to the person is out) stays until it is answered.
    if (task.status === 'working') await taskStore.updateTaskStatus(taskId, 'working', message);
  })().catch(() => undefined);
}

/** One report: to the progress token and to the task, whichever the call has. */
export function report(extra: Extra, done: number, total: number, message: string): void {
  progress(extra, done, total, message);
  taskStatus(extra, message);
}

/** Calls `tick` every `ms` until the returned function is called (the timer never holds the process). */
export function every(ms: number, tick: () => void): () => void {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** "cmd_… running 12 s, 3.4 KiB of output, waiting for it to end" (or for input). */
export function describeRun(run: RunProgress): string {
  const wait = run.asks
    ? 'its output ends on a question (send_text answers it)'
    : 'waiting for it to end';
  return `${run.id} running ${seconds(run.ms)}, ${size(run.bytes)} of output, ${wait}`;
}

/**
 * Progress of a walk: a report per hop entered ("hop 2/3: master"), and between them, every
 * `everyMs`, how long the hop has taken and the pattern it waits for. Progress values only
 * grow: the hop's index, plus a fraction below 1 that grows with the time spent in it.
 */
export function walkProgress(
  extra: Extra,
  everyMs: number,
): { onProgress: (p: WalkProgress) => void; stop: () => void } {
  let at: (WalkProgress & { since: number }) | null = null;
  let sent = -1;
  const send = (value: number, total: number, message: string) => {
    if (value <= sent) return;
    sent = value;
    report(extra, value, total, message);
  };
  const stop = every(everyMs, () => {
    if (!at) return;
    const ms = performance.now() - at.since;
    const wait = at.waitingFor?.length ? `: waiting for ${at.waitingFor.join(' or ')}` : '';
    send(
      at.hop - 1 + ms / (ms + 10_000),
      at.hops,
      `still at hop ${at.hop}/${at.hops} ${at.name} after ${seconds(ms)}${wait}`,
    );
  });
  return {
    onProgress: (p) => {
      const entered = !at || p.hop > at.hop;
      at = { ...p, since: entered || !at ? performance.now() : at.since };
      if (entered) send(p.hop - 1, p.hops, `hop ${p.hop}/${p.hops}: ${p.name}`);
    },
    stop,
  };
}
