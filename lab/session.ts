import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { IPty } from 'node-pty';
import type { ServerChannel } from 'ssh2';
import { materialiseSession, type SessionTools } from './cluster.js';
import { CmsmMenu } from './menu.js';
import { MenuTerminal } from './menu-terminal.js';
import { LabOutput } from './output.js';
import { killSessionMembers, killTree, waitForExit } from './processes.js';
import type { Scenario, Target } from './scenario.js';
import { startMasterShell } from './shell.js';

export interface PtyRequest {
  term: string;
  cols: number;
  rows: number;
}

export interface SessionContext {
  channel: ServerChannel;
  /** The client's PTY request; null when it asked for none (then the menu does not echo). */
  pty: PtyRequest | null;
  scenario: Scenario;
  /** Folder under which this session makes its scratch directory. */
  scratchRoot: string;
  tools: SessionTools;
  labId: string;
  /** Drops the whole SSH connection at once (idle logout, drop faults). */
  disconnect: () => void;
  now?: () => number;
  log?: (line: string) => void;
  /** Called when the client's input arrives and when output leaves (for benchmarks). */
  onIo?: (direction: 'in' | 'out') => void;
}

/**
 * One shell channel of the lab: the OTP gate, the CMSM menu, then the chosen master's real bash
 * (and from there, kubectl exec into pods). Input goes to the menu or to the shell, whichever
 * owns the terminal; output always goes through one LabOutput, so fault knobs apply to both.
 */
export class LabSession {
  private readonly out: LabOutput;
  private readonly term: MenuTerminal;
  private shell: IPty | undefined;
  private scratch: ReturnType<typeof materialiseSession> | undefined;
  private dir: string | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private ended = false;
  private disposed: Promise<void> | undefined;
  private size: { cols: number; rows: number };
  private abort!: (code: number) => void;
  private readonly aborted = new Promise<number>((resolve) => (this.abort = resolve));

  constructor(private readonly ctx: SessionContext) {
    this.size = { cols: ctx.pty?.cols || 80, rows: ctx.pty?.rows || 24 };
    const { chunk, dropAfter } = ctx.scenario.faults;
    this.out = new LabOutput(ctx.channel, {
      chunkBytes: chunk.bytes,
      chunkDelayMs: chunk.delayMs,
      // Fault knob: the connection drops (no goodbye) once this many bytes went out.
      onBytes: (total) => {
        ctx.onIo?.('out');
        if (dropAfter.bytes > 0 && total >= dropAfter.bytes) ctx.disconnect();
      },
    });
    this.term = new MenuTerminal(this.out, ctx.pty !== null);
    ctx.channel.on('data', (data: Buffer) => this.onInput(data));
    ctx.channel.on('end', () => (this.shell ? this.shell.write('\x04') : this.term.end()));
    // A channel can close while its connection stays open (OpenSSH connection sharing).
    ctx.channel.once('close', () => void this.dispose());
    this.armIdle();
  }

  /** The running shell's pid, if one runs. */
  get shellPid(): number | undefined {
    return this.shell?.pid;
  }

  /** Runs the session to its end; resolves with the exit status to report on the channel. */
  async run(): Promise<number> {
    const flow = this.flow().catch((err: unknown) => {
      // A broken session (no disk for its scratch files, no bash) must not take the lab down.
      const reason = err instanceof Error ? err.message : String(err);
      this.term.write(`\nlab: this session failed: ${reason}\n`);
      this.ctx.log?.(`session failed: ${reason}`);
      return 1;
    });
    const code = await Promise.race([flow, this.aborted]);
    await this.out.flushed();
    void this.dispose();
    return code;
  }

  resize(cols: number, rows: number): void {
    this.size = { cols: cols || this.size.cols, rows: rows || this.size.rows };
    this.shell?.resize(this.size.cols, this.size.rows);
  }

  /**
   * Ends the session now (channel or connection closed, lab stopping): kills its processes,
   * waits until they are gone, then removes its files. Safe to call more than once; never throws.
   */
  dispose(): Promise<void> {
    if (this.disposed) return this.disposed;
    this.ended = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const killed = this.shell ? killTree(this.shell.pid) : [];
    this.shell = undefined;
    this.out.close();
    this.abort(255);
    this.disposed = (async () => {
      // Killed processes may still be writing files for a moment: remove the directory after.
      const survivors = await waitForExit(killed);
      if (survivors.length > 0) this.ctx.log?.(`processes still running: ${survivors.join(' ')}`);
      if (!this.dir) return;
      try {
        await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
      } catch (err) {
        this.ctx.log?.(`cannot remove ${this.dir}: ${String(err)}`);
      }
    })();
    return this.disposed;
  }

  private onInput(data: Buffer): void {
    this.ctx.onIo?.('in');
    this.armIdle();
    if (this.shell) this.shell.write(data);
    else this.term.feed(data);
  }

  private armIdle(): void {
    const seconds = this.ctx.scenario.faults.idleLogoutS;
    if (seconds <= 0 || this.ended) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      const unit = seconds === 1 ? 'second' : 'seconds';
      this.out.write(`\r\nIdle timeout: no input for ${seconds} ${unit}. Logging out.\r\n`);
      void this.out.flushed().then(() => {
        this.abort(1);
        this.ctx.disconnect();
      });
    }, seconds * 1000);
  }

  private async flow(): Promise<number> {
    const menu = new CmsmMenu(this.term, this.ctx.scenario, this.ctx.now);
    // With keyboard-interactive logins the code was asked at login already.
    if (!this.ctx.scenario.faults.keyboardInteractive && !(await menu.otpGate())) return 1;
    menu.banner();
    for (;;) {
      const target = await menu.chooseTarget();
      if (!target) return 0;
      const user = await menu.chooseUser(target);
      if (!user) return 0;
      this.term.write(`Logged in to ${target.name} as ${user}.\n`);
      const code = await this.runShell(target, user, this.term.detach());
      if (this.ctx.scenario.master.onExit === 'disconnect' || this.ended) return code;
      this.term.write(`Connection to ${target.name} closed.\n`);
    }
  }

  private runShell(target: Target, user: string, typedAhead: string): Promise<number> {
    if (!this.scratch) {
      this.dir = mkdtempSync(join(this.ctx.scratchRoot, 'session-'));
      this.scratch = materialiseSession(this.dir, this.ctx.scenario, this.ctx.tools);
    }
    const shell = startMasterShell({
      ...this.scratch,
      bash: this.ctx.tools.bash,
      systemPath: this.ctx.tools.systemPath,
      user,
      host: target.name,
      prompt: this.ctx.scenario.master.prompt,
      term: this.ctx.pty?.term || 'xterm',
      ...this.size,
      labId: this.ctx.labId,
    });
    this.shell = shell;
    // Bytes straight from the PTY; pause the shell when the client reads slower than it writes.
    shell.onData((data: string | Buffer) => {
      if (!this.out.write(data)) {
        shell.pause();
        this.out.once('drain', () => shell.resume());
      }
    });
    if (typedAhead) shell.write(typedAhead);
    return new Promise((resolve) => {
      shell.onExit(({ exitCode }) => {
        // Background jobs die with their shell, as they do when sshd closes a session. The
        // shell itself is reaped already and its pid may be reused: spare the pid itself.
        killSessionMembers(shell.pid);
        if (this.shell === shell) this.shell = undefined;
        resolve(exitCode);
      });
    });
  }
}
