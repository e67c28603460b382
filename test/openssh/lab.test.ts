// The real-OpenSSH conformance lab, proved on its own: the system sshd with generated keys, each
// entry driven with the ssh2 client over a PTY (strict host key check), output matched on the
// ANSI-stripped stream with event-driven waits. gatewalk's navigator plays no part here.
// This file: the lab itself, the shell entries, and close(); gateways.test.ts: the gateways.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectEntry, type EntrySession } from '../../lab/openssh/client.js';
import { isRunning } from '../../lab/processes.js';
import {
  ENTRY_NAMES,
  PROMPTS,
  SHELL_ENTRIES,
  missingOpenSshLabPrograms,
  processesCarrying,
  startOpenSshLab,
  totp,
  type EntryName,
  type OpenSshLab,
} from '../../lab/openssh/sshd.js';
import { re, useEntryLab } from './fixture.js';

let lab: OpenSshLab;
const { open } = useEntryLab((started) => (lab = started));

describe.concurrent('the lab itself', () => {
  it('runs sshd with a generated host key that known_hosts and the fingerprint name', () => {
    const hostPub = join(lab.dir, 'keys', 'host_ed25519.pub');
    const printed = execFileSync('ssh-keygen', ['-lf', hostPub], { encoding: 'utf8' });
    expect(printed.split(' ')[1]).toBe(lab.fingerprint);
    const line = readFileSync(lab.knownHosts, 'utf8');
    expect(line).toBe(
      `[127.0.0.1]:${lab.port} ${readFileSync(hostPub, 'utf8').split(' ').slice(0, 2).join(' ')}\n`,
    );
    for (const entry of ENTRY_NAMES) {
      expect(statSync(lab.key(entry)).mode & 0o777).toBe(0o600);
      expect(statSync(lab.home(entry)).isDirectory()).toBe(true);
    }
    expect(lab.sshdLog()).toContain(`Server listening on 127.0.0.1 port ${lab.port}`);
  });

  it('refuses a host whose key is not the expected one', async () => {
    const wrong = { ...lab, fingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
    await expect(connectEntry(wrong, 'bash')).rejects.toThrow(/host key mismatch/);
  });

  it('names the missing programs and the apt-get line that installs them', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    let missing: ReturnType<typeof missingOpenSshLabPrograms>;
    let started: Promise<OpenSshLab>;
    try {
      missing = missingOpenSshLabPrograms();
      started = startOpenSshLab(); // checks before its first await
    } finally {
      process.env.PATH = path;
    }
    expect(missing?.programs).toEqual(expect.arrayContaining(['zsh', 'fish', 'tmux', 'mksh']));
    expect(missing?.install).toMatch(/^apt-get install -y .*\bzsh\b.*\bfish\b/);
    await expect(started).rejects.toThrow(/missing .*zsh.*`apt-get install -y [a-z0-9 -]+`/);
  });

  it('computes RFC 6238 codes (the test vector)', () => {
    const seed = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
    expect(totp(seed, 59_000)).toBe('287082');
    expect(totp(seed, 1_111_111_109_000)).toBe('081804');
  });
});

/** What else each shell entry must show after `echo hi`. */
const after: Partial<Record<EntryName, (s: EntrySession) => void>> = {
  bash: () =>
    expect(readFileSync(join(lab.home('bash'), '.bash_history'), 'utf8')).toBe('echo hi\n'),
  'bash-readonly-hist': () =>
    expect(readFileSync(join(lab.home('bash-readonly-hist'), '.bash_history'), 'utf8')).toBe(
      'echo hi\n',
    ),
  'bash-traps': (s) => {
    expect(readFileSync(join(lab.home('bash-traps'), '.audit'), 'utf8')).toContain('echo hi\n');
    expect(s.raw).toContain(`\x1b]0;${lab.home('bash-traps')}\x07`);
  },
  'bash-tmux': (s) => expect(s.raw).toContain('\x1b[?1049h'),
  'zsh-themed': () =>
    expect(readFileSync(join(lab.home('zsh-themed'), '.zsh_history'), 'utf8')).toContain('echo hi'),
};

describe.concurrent('shell entries', () => {
  it.each(SHELL_ENTRIES.map((entry) => [entry]))(
    '%s reaches its prompt and runs echo hi',
    async (entry) => {
      const s = await open(entry);
      const prompt = re(PROMPTS[entry]);
      await s.expect(prompt);
      s.sendLine('echo hi');
      await s.expect(/\nhi\n/);
      await s.expect(prompt);
      after[entry]?.(s);
      s.sendLine('exit');
      expect((await s.exit).code).toBe(0);
    },
  );
});

describe('close()', () => {
  it('stops sshd and every process a session started, tmux and nohup included', async () => {
    const tmux = await open('bash-tmux');
    // Not anchored at the end: tmux may redraw its status line after the prompt (a clock tick).
    await tmux.expect(/\[tmux [^\]\n]*\]# /);
    const bash = await open('bash');
    await bash.expect(re(PROMPTS.bash));
    bash.sendLine('nohup sleep 600 >/dev/null 2>&1 & echo "bg=$!"');
    const background = Number((await bash.expect(/bg=(\d+)\n/))[1]);
    await bash.expect(re(PROMPTS.bash));
    const names = lab.processes().map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        return '';
      }
    });
    expect(names).toEqual(expect.arrayContaining(['sshd', 'tmux: server', 'bash']));
    expect(lab.processes()).toContain(background);
    const pids = lab.processes();
    await lab.close();
    expect(processesCarrying(lab.marker)).toEqual([]);
    expect(pids.filter(isRunning)).toEqual([]);
    expect(isRunning(background)).toBe(false);
    expect(existsSync(lab.dir)).toBe(false);
  });
});
