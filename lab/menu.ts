import { verifyTotp } from '../src/secrets/totp.js';
import type { MenuTerminal } from './menu-terminal.js';
import type { Scenario, Target } from './scenario.js';

const QUIT = new Set(['q', 'quit', 'exit']);

/** ANSI styling for the colours fault knob; identity functions when it is off. */
function palette(on: boolean) {
  const wrap = (code: string) => (text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);
  return {
    title: wrap('1;36'),
    heading: wrap('1;33'),
    ok: wrap('32'),
    bad: wrap('31'),
    prompt: wrap('1'),
  };
}

/** The CMSM dialogs, from the OTP gate to the login-user choice, on one menu terminal. */
export class CmsmMenu {
  private readonly c: ReturnType<typeof palette>;

  constructor(
    private readonly term: MenuTerminal,
    private readonly scenario: Scenario,
    private readonly now: () => number = Date.now,
  ) {
    this.c = palette(scenario.faults.colors);
  }

  /** Asks for the TOTP code when the scenario sets a seed; false means the client failed it. */
  async otpGate(): Promise<boolean> {
    const { seed, attempts } = this.scenario.faults.otp;
    if (!seed) return true;
    for (let i = 0; i < attempts; i++) {
      // Codes are read without echo, like the password prompts of real gateways.
      const code = await this.term.readLine(this.c.prompt(this.scenario.prompts.otp), false);
      if (code === null) return false;
      if (verifyTotp(seed, code, this.now())) return true;
      this.term.write(`${this.c.bad('Invalid verification code.')}\n`);
    }
    this.term.write('Too many failed attempts. Bye.\n');
    return false;
  }

  banner(): void {
    const { title, lines } = this.scenario.banner;
    const rule = '='.repeat(Math.max(48, title.length + 2));
    this.term.write(`${rule}\n${this.c.title(` ${title}`)}\n${rule}\n`);
    for (const line of lines) this.term.write(`${line}\n`);
    this.term.write('\n');
  }

  private row(t: Target): string {
    const index = this.scenario.targets.indexOf(t);
    const status = t.status === 'online' ? this.c.ok(t.status) : this.c.bad(t.status);
    return `${index}  ${t.ip}  ${t.name}  ${t.cluster}  ${status}`;
  }

  /**
   * Prints rows a page at a time when the pager knob is on: `--More--` like more(1) (any key
   * goes on, q stops), or a JumpServer-like page prompt where `n` shows the next page and
   * anything else is an answer to the menu, returned as `typed`.
   */
  private async list(rows: string[]): Promise<'done' | 'eof' | { typed: string }> {
    const { pageSize: size, style } = this.scenario.faults.pager;
    const pages = size > 0 ? Math.ceil(rows.length / size) : 1;
    for (let i = 0; i < rows.length; i++) {
      if (size > 0 && i > 0 && i % size === 0) {
        if (style === 'prompt') {
          const page = i / size;
          const answer = await this.term.readLine(
            this.c.prompt(`Page ${page}/${pages}: n for the next page, or an IP, name or index: `),
          );
          if (answer === null) return 'eof';
          if (answer.trim() !== 'n') return { typed: answer };
        } else {
          this.term.write(this.c.prompt('--More--'));
          const key = await this.term.readKey();
          // Like more(1): the marker is erased, q stops the listing.
          this.term.write('\r\x1b[K');
          if (key === null) return 'eof';
          if (key === 'q') return 'done';
        }
      }
      this.term.write(`${rows[i]}\n`);
    }
    return 'done';
  }

  private search(input: string): Target[] {
    const targets = this.scenario.targets;
    if (/^\d+$/.test(input) && targets[Number(input)]) return [targets[Number(input)] as Target];
    const exact = targets.filter((t) => t.ip === input || t.name === input);
    if (exact.length > 0) return exact;
    const needle = input.toLowerCase();
    return targets.filter((t) => `${t.ip} ${t.name} ${t.cluster}`.toLowerCase().includes(needle));
  }

  /** The `Target IP: ` dialog; null when the client quits or closes its input. */
  async chooseTarget(): Promise<Target | null> {
    let typed: string | null = null;
    for (;;) {
      const input =
        typed ?? (await this.term.readLine(this.c.prompt(this.scenario.prompts.target)));
      typed = null;
      if (input === null) return null;
      const text = input.trim();
      if (QUIT.has(text)) return null;
      if (text === '') {
        this.term.write(`${this.c.heading('Known targets:')}\n`);
        const listed = await this.list(this.scenario.targets.map((t) => this.row(t)));
        if (listed === 'eof') return null;
        if (listed !== 'done') typed = listed.typed;
        continue;
      }
      const found = this.search(text);
      if (found.length === 0) {
        this.term.write(`No target matches "${text}". Press Enter to list known targets.\n`);
        continue;
      }
      this.term.write(`${this.c.heading('Search result:')}\n`);
      const listed = await this.list(found.map((t) => this.row(t)));
      if (listed === 'eof') return null;
      if (listed !== 'done') {
        typed = listed.typed;
        continue;
      }
      if (found.length > 1) {
        this.term.write('Several targets match; enter an IP, name or index.\n');
        continue;
      }
      const target = found[0] as Target;
      if (target.status !== 'online') {
        this.term.write(`${target.name} is ${target.status}; choose another target.\n`);
        continue;
      }
      return target;
    }
  }

  /** The `Select login user:` dialog; null when the client quits or closes its input. */
  async chooseUser(target: Target): Promise<string | null> {
    this.term.write(`Host: ${target.name} (${target.ip})\n`);
    this.term.write('Select login user:\n');
    target.users.forEach((u, i) => this.term.write(`${i + 1}) ${u}\n`));
    const choices = target.users.map((_, i) => String(i + 1));
    const last = choices.pop() ?? '1';
    // "1, 2, 3, or 4" as CMSM says it; "1 or 2" and "1" for shorter lists.
    const choose =
      choices.length > 1 ? `${choices.join(', ')}, or ${last}` : [...choices, last].join(' or ');
    for (;;) {
      const input = await this.term.readLine(this.c.prompt(this.scenario.prompts.user));
      if (input === null) return null;
      const text = input.trim();
      if (QUIT.has(text)) return null;
      const byNumber = /^\d+$/.test(text) ? target.users[Number(text) - 1] : undefined;
      const user = byNumber ?? target.users.find((u) => u === text);
      if (user) return user;
      this.term.write(`${this.c.bad(`Invalid user. Choose ${choose}.`)}\n`);
    }
  }
}
