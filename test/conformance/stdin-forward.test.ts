// `gatewalk run`'s stdin forwarding on real shells behind the system sshd: the bytes reach the
// command whole (binary, control bytes included), its exit code is the command's, and the
// shell's echo is back on afterwards. A few KiB: 48 KiB written at once sometimes ends the
// session under dash and mksh here (the login shell reads the end of input), a known gap the
// README states; the ssh2 lab's 1 MiB test does not show it.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PROMPTS } from '../../lab/openssh/sshd.js';
import { runWithStdin } from '../../src/shell/stdin-forward.js';
import { useOpenSshLab } from '../helpers/openssh.js';

const fx = useOpenSshLab();

describe.each(['bash', 'dash', 'ash', 'mksh', 'zsh'] as const)(
  'stdin forwarding to %s',
  (entry) => {
    it('gives the command every byte, keeps its exit code, and puts echo back', async () => {
      const { session, sh } = await fx.shell(entry, PROMPTS[entry]);
      // Control bytes a terminal would act on (^C ^D ^Z ^\ CR ESC NUL) among random bytes.
      const bytes = Buffer.concat([
        randomBytes(2 * 1024),
        Buffer.from('\x03\x04\x1a\x1c\r\x1b\x00'),
        randomBytes(1024),
      ]);
      const r = await runWithStdin(
        sh,
        session,
        'sha256sum | cut -c1-64; exit 5',
        Readable.from([bytes]),
        20_000,
      );
      expect(r).toMatchObject({ forwarded: true, result: { status: 'done', exit_code: 5 } });
      expect(r.result.output.trim()).toBe(createHash('sha256').update(bytes).digest('hex'));
      // Echo is on again: a command typed now is echoed and runs at the same hop.
      const after = await sh.execute(
        'stty -a | grep -o -- "-\\?echo " | head -n 1; echo still-here',
      );
      expect(after).toMatchObject({ status: 'done', exit_code: 0 });
      expect(after.output).toMatch(/^echo \nstill-here\n$/);
    });
  },
);
