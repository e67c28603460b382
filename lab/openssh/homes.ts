// The homes of the real-OpenSSH conformance lab's entries (their rc files), the pods' folders,
// and the master's kubectl.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { quoted } from './config.js';
import { ENTRY_NAMES, type EntryName } from './entries.js';

const q = (text: string) => `'${text}'`;

/** The rc files of each entry's home (file name relative to the home -> content). */
function rcFiles(dir: string): Partial<Record<EntryName, Record<string, string>>> {
  const history = [
    'HISTFILE=$HOME/.bash_history',
    'HISTSIZE=1000',
    'HISTFILESIZE=1000',
    "PROMPT_COMMAND='history -a'",
  ];
  const bashrc = (...lines: string[]) => ({ '.bashrc': `${lines.join('\n')}\n` });
  const bash = [`PS1=${q('[bash \\W]\\$ ')}`, 'unset HISTCONTROL', ...history];
  return {
    bash: bashrc(...bash),
    'bash-readonly-hist': bashrc(
      `PS1=${q('[bash \\W]\\$ ')}`,
      'HISTCONTROL=ignoredups',
      'readonly HISTCONTROL',
      ...history,
    ),
    'bash-vi': bashrc(...bash, 'set -o vi'),
    'bash-nounset': bashrc(...bash, 'set -u'),
    'bash-errexit': bashrc(...bash, 'set -e'),
    'bash-traps': bashrc(
      `PS1=${q('[bash \\W]\\$ ')}`,
      'unset HISTCONTROL',
      ...history.slice(0, 3),
      `trap 'printf "%s\\n" "$BASH_COMMAND" >> ~/.audit' DEBUG`,
      `PROMPT_COMMAND='printf "\\033]0;%s\\007" "$PWD"; history -a'`,
    ),
    'bash-multiline': bashrc(
      `PS1=${q('\\n\\u@multiline \\w\\n\\$ ')}`,
      'unset HISTCONTROL',
      ...history,
    ),
    'bash-tmux': {
      // tmux starts its shell as a login shell, which reads .bash_profile, not .bashrc.
      '.bash_profile': '. ~/.bashrc\n',
      '.bashrc': [
        'if [ -z "${TMUX:-}" ]; then',
        `  exec tmux -S ${quoted(join(dir, 'tmux-bash.sock'))} -f ~/.tmux.conf new-session`,
        'fi',
        `PS1=${q('[tmux \\W]\\$ ')}`,
        'unset HISTCONTROL',
        ...history,
        '',
      ].join('\n'),
      // No status-line redraw after the prompt (its clock, the window renamed after the running
      // program): the prompt stays the last thing drawn, and waits stay deterministic.
      '.tmux.conf':
        'set -g status-interval 0\nset -g automatic-rename off\nset -g allow-rename off\n',
    },
    'bash-screen': {
      // GNU screen from .bashrc, its sockets in the lab's folder (SCREENDIR must be 0700).
      '.bashrc': [
        'if [ -z "${STY:-}" ]; then',
        `  export SCREENDIR=${quoted(join(dir, 'screen'))}`,
        '  mkdir -p -m 700 "$SCREENDIR"',
        '  exec screen -q -c ~/.screenrc',
        'fi',
        `PS1=${q('[screen \\W]\\$ ')}`,
        'unset HISTCONTROL',
        ...history,
        '',
      ].join('\n'),
      '.screenrc': 'startup_message off\nhardstatus off\n',
    },
    master: bashrc(`PS1=${q('[root@master \\W]$ ')}`),
    'app-shell': bashrc(`PS1=${q('app@app-server:\\w$ ')}`),
    jump: bashrc(`PS1=${q('[jump \\W]$ ')}`),
    dash: { '.dashrc': `PS1=${q('[dash]$ ')}\n` },
    // busybox's `\w` abbreviates the passwd home, not $HOME: the home becomes `~` here, so the
    // prompt reads `[ash ~]# ` (`$` for non-root) wherever the lab's folder is.
    ash: {
      '.ashrc': `PS1=${q('[ash $(case $PWD in "$HOME" | "$HOME"/*) echo "~${PWD#"$HOME"}" ;; *) echo "$PWD" ;; esac)]\\$ ')}\n`,
    },
    mksh: { '.mkshrc': `PS1=${q('[mksh]$ ')}\n` },
    // Empty, so that zsh-newuser-install does not start: the prompt stays Debian's `%m%# `.
    zsh: { '.zshrc': '' },
    'zsh-themed': {
      '.zshrc': [
        `PROMPT=${q('%F{green}%n@zsh%f %1~ %# ')}`,
        `RPROMPT=${q('%F{yellow}[%?]%f')}`,
        'HISTFILE=$ZDOTDIR/.zsh_history',
        'SAVEHIST=1000',
        'HISTSIZE=1000',
        'setopt INC_APPEND_HISTORY',
        '',
      ].join('\n'),
    },
    fish: {
      '.config/fish/config.fish': 'set -g fish_greeting\n',
      // Its presence stops fish's first start from generating completions from every man page
      // in the background (a python3 process that would outlive the session).
      '.local/share/fish/generated_completions/.keep': '',
    },
    tcsh: { '.tcshrc': `set prompt=${q('[tcsh]> ')}\n` },
  };
}

/** Writes each entry's home with its rc files, the pods' folders, and the master's kubectl. */
export function writeHomes(dir: string, scripts: string, bashPath: string): void {
  const rc = rcFiles(dir);
  for (const entry of ENTRY_NAMES) {
    const home = join(dir, 'home', entry);
    mkdirSync(home);
    for (const [file, content] of Object.entries(rc[entry] ?? {})) {
      mkdirSync(dirname(join(home, file)), { recursive: true });
      writeFileSync(join(home, file), content);
    }
  }
  for (const pod of ['bash-pod', 'ash-pod']) {
    mkdirSync(join(dir, 'pods', pod, 'var', 'log'), { recursive: true });
    writeFileSync(join(dir, 'pods', pod, 'var', 'log', 'app.log'), `${pod}: started\n`);
  }
  writeFileSync(
    join(dir, 'bin', 'kubectl'),
    `#!/bin/sh\nexec ${quoted(bashPath)} ${quoted(join(scripts, 'kubectl.sh'))} "$@"\n`,
    { mode: 0o755 },
  );
}
