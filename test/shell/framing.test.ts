// The typed line itself: what a shell is given for a command (real shells run it in
// test/conformance; here, what the line is made of).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { frameCommand, helperLine, redactSecrets, typedForms } from '../../src/shell/framing.js';
import { MarkScanner } from '../../src/terminal/marks.js';

const run = (line: string) => execFileSync('bash', ['-c', line], { encoding: 'utf8' });

describe('framing', () => {
  it('types a printable command as itself, single-quoted, with no command substitution', () => {
    const { line } = frameCommand(`grep -c 'it''s' "$HOME"/x | wc -l`, 'n0nce');
    expect(line).toBe(
      ` __gwS n0nce&&command eval ' grep -c '\\''it'\\'''\\''s'\\'' "$HOME"/x | wc -l'&&__gwE 0||__gwE $?`,
    );
    // The markers are OSC strings, printed by functions defined with the hop's first command.
    expect(frameCommand('true', 'n0nce', 'posix', true).line).toMatch(
      /^ if .*__gwP\(\)\{ printf '\\033\]6973;%s\\007' "\$1";\};fi;__gwS\(\)\{ __gwN=\$1;__gwP "S;\$1";\};.*; __gwS n0nce&&/,
    );
    // Typed once per hop, and short too.
    expect(helperLine('posix').length).toBeLessThan(240);
  });

  it('falls back to octal escapes only for what a line editor would act on', () => {
    for (const command of ['echo a\necho b', 'printf "a\tb"', 'echo é']) {
      const { line } = frameCommand(command, 'n0nce');
      expect(line).toContain(`command eval " $(printf -- '`);
      expect(line).not.toMatch(/[^\x20-\x7e]/);
    }
  });

  it('quotes for fish with backslashes, and for zsh with a plain eval', () => {
    expect(frameCommand(`echo 'a\\b'`, 'n', 'fish').line).toBe(
      ` __gwS n; and eval ' echo \\'a\\\\b\\''; __gwE $status`,
    );
    expect(frameCommand('echo a', 'n', 'zsh').line).toBe(
      ` __gwS n&&eval ' echo a'&&__gwE 0||__gwE $?`,
    );
  });

  it('runs in a shell: output between the marks, the exit code and cwd in the end mark', () => {
    const { line } = frameCommand(`cd /tmp && echo "it's" && (exit 4)`, 'abc', 'posix', true);
    const parts = new MarkScanner().split(run(line));
    expect(parts).toEqual([
      expect.objectContaining({ kind: 'S', nonce: 'abc' }),
      "it's\n",
      expect.objectContaining({ kind: 'E', nonce: 'abc', rest: '4;/tmp' }),
    ]);
  });

  it('redacts a secret in every form it is typed in', () => {
    const secret = `pa ss'w"rd`;
    const secrets = new Set([secret]);
    for (const form of typedForms(secret))
      expect(redactSecrets(`x ${form} y`, secrets)).toBe('x ****** y');
  });
});

describe('marks in a stream', () => {
  it('finds a mark cut anywhere by chunk boundaries, and hands back the text around it', () => {
    const stream = `before\x1b[0m\x1b]6973;E;n;0;/a b\x07after`;
    for (let i = 1; i < stream.length; i++) {
      const scanner = new MarkScanner();
      const parts = [...scanner.split(stream.slice(0, i)), ...scanner.split(stream.slice(i))];
      const text = parts.filter((p) => typeof p === 'string').join('');
      expect(text).toBe('before\x1b[0mafter');
      expect(parts.filter((p) => typeof p !== 'string')).toEqual([
        expect.objectContaining({ kind: 'E', nonce: 'n', rest: '0;/a b' }),
      ]);
    }
  });

  it('gives back an unended mark as text once it is too long to be one', () => {
    const scanner = new MarkScanner();
    const open = `\x1b]6973;E;n;${'x'.repeat(9000)}`;
    expect(scanner.split(open).join('')).toBe(open);
  });
});
