// Issue 13, Low: keys left on the prompt's line (typed without Enter) are cleared with Ctrl-U
// before the next command, in every shell gatewalk frames commands in, through the real sshd;
// a clean line gets nothing extra.
import { describe, expect, it } from 'vitest';
import { PROMPTS, type EntryName } from '../../lab/openssh/sshd.js';
import { useOpenSshLab } from '../helpers/openssh.js';

const fx = useOpenSshLab();

const SHELLS: EntryName[] = ['bash', 'bash-vi', 'dash', 'ash', 'mksh', 'zsh', 'zsh-themed', 'fish'];

describe('keys left on the prompt, in every shell', () => {
  it.each(SHELLS)('%s', async (entry) => {
    const { session, sh } = await fx.shell(entry, PROMPTS[entry]);
    const sent: string[] = [];
    session.pty.on('sent', (s) => sent.push(s.data));
    const kills = () => sent.filter((s) => s.includes('\x15')).length;
    // Left before the first command: the probe is not appended to it.
    sh.sendInput('echo before-probe', false);
    expect(await sh.execute('echo one')).toMatchObject({ exit_code: 0, output: 'one\n' });
    expect(kills()).toBe(1);
    // Left at once before the command, and after its echo came back.
    sh.sendInput('echo left-over', false);
    expect(await sh.execute('echo two')).toMatchObject({ exit_code: 0, output: 'two\n' });
    sh.writeRaw('echo keys');
    await new Promise((r) => setTimeout(r, 300));
    expect(await sh.execute('echo three')).toMatchObject({ exit_code: 0, output: 'three\n' });
    expect(kills()).toBe(3);
    // A clean line: nothing but the command.
    expect(await sh.execute('echo four')).toMatchObject({ exit_code: 0, output: 'four\n' });
    sh.sendInput('echo submitted');
    await new Promise((r) => setTimeout(r, 300));
    expect(await sh.execute('echo five')).toMatchObject({ exit_code: 0, output: 'five\n' });
    expect(kills()).toBe(3);
    // Nothing left on a line ever ran.
    expect(session.pty.screen.text()).not.toMatch(/^(before-probe|left-over|keys)$/m);
  });
});
