// A small shell tokenizer for the command policy (policy.ts): it finds the simple commands of a
// command line and their redirections, without expanding or running anything. It knows ' and "
// quotes and backslashes; the separators ; && || | & newlines and ( ); $( ) and backticks, also
// inside double quotes, whose commands are returned too; <( ) and >( ); $(( )) and ${ } as
// opaque text; redirections with or without a file descriptor number; here documents, whose
// bodies are skipped; # comments. It does not know aliases, functions, variables, globs, case
// patterns or arrays: it reads text as typed, which is what a guard rail needs and no more.

export interface Redirect {
  /** The file descriptor written before the operator (`2` in `2>`), or ''. */
  fd: string;
  op: string;
  target: string;
}

export interface SimpleCommand {
  words: string[];
  redirects: Redirect[];
}

const BLANK = new Set([' ', '\t', '\r']);
/** Characters that end an unquoted word. */
const WORD_END = new Set([...BLANK, '\n', ';', '&', '|', '(', ')', '<', '>']);

/** Splits a command line into its simple commands, those of substitutions included. */
class Tokenizer {
  private pos = 0;
  readonly commands: SimpleCommand[] = [];
  private heredocs: { delimiter: string; tabs: boolean }[] = [];

  constructor(private readonly text: string) {}

  /** Reads commands until `stop` (the end of a substitution) or the end of the text. */
  list(stop: ')' | '`' | null): void {
    let current: SimpleCommand = { words: [], redirects: [] };
    const flush = () => {
      if (current.words.length > 0 || current.redirects.length > 0) this.commands.push(current);
      current = { words: [], redirects: [] };
    };
    while (this.pos < this.text.length) {
      const c = this.text[this.pos] as string;
      const next = this.text[this.pos + 1];
      if (BLANK.has(c)) this.pos += 1;
      else if (c === '\\' && next === '\n') this.pos += 2;
      else if (c === '#') this.skipComment();
      else if (c === '\n') {
        flush();
        this.pos += 1;
        this.skipHeredocBodies();
      } else if (c === stop) {
        this.pos += 1;
        break;
      } else if ((c === '<' || c === '>') && next === '(') {
        // Process substitution: a command of its own, and no file is written.
        this.pos += 2;
        this.list(')');
      } else if (c === '<' || c === '>' || (c === '&' && next === '>')) {
        current.redirects.push(this.redirect('', stop));
      } else if (WORD_END.has(c)) {
        // ; & | && || ( ) and a ) or ` that closes nothing: each ends a simple command.
        flush();
        this.pos += 1;
      } else {
        const { word, quoted } = this.word(stop);
        const after = this.text[this.pos];
        if (!quoted && /^\d+$/.test(word) && (after === '<' || after === '>')) {
          current.redirects.push(this.redirect(word, stop));
        } else current.words.push(word);
      }
    }
    flush();
  }

  private skipComment(): void {
    while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos += 1;
  }

  private skipHeredocBodies(): void {
    for (const { delimiter, tabs } of this.heredocs) {
      while (this.pos < this.text.length) {
        const end = this.text.indexOf('\n', this.pos);
        const line = this.text.slice(this.pos, end === -1 ? undefined : end);
        this.pos = end === -1 ? this.text.length : end + 1;
        if ((tabs ? line.replace(/^\t+/, '') : line) === delimiter) break;
      }
    }
    this.heredocs = [];
  }

  /** At an operator; `fd` is the number written before it (`2>`), if any. */
  private redirect(fd: string, stop: string | null): Redirect {
    const op =
      /^(?:&>>?|>>|>\||>&|>|<<<|<<-|<<|<&|<>|<)/.exec(this.text.slice(this.pos))?.[0] ?? '>';
    this.pos += op.length;
    while (BLANK.has(this.text[this.pos] ?? '')) this.pos += 1;
    const target = this.word(stop).word;
    if (op === '<<' || op === '<<-') this.heredocs.push({ delimiter: target, tabs: op === '<<-' });
    return { fd, op, target };
  }

  /** One word, quotes removed; substitutions in it are read as commands and leave no text. */
  private word(stop: string | null): { word: string; quoted: boolean } {
    let word = '';
    let quoted = false;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos] as string;
      if (WORD_END.has(c) || c === stop) break;
      if (c === "'") {
        quoted = true;
        const end = this.text.indexOf("'", this.pos + 1);
        word += this.text.slice(this.pos + 1, end === -1 ? undefined : end);
        this.pos = end === -1 ? this.text.length : end + 1;
      } else if (c === '"') {
        quoted = true;
        this.pos += 1;
        word += this.doubleQuoted();
      } else if (c === '\\') {
        if (this.text[this.pos + 1] !== '\n') word += this.text[this.pos + 1] ?? '';
        this.pos += 2;
      } else if (c === '`' || c === '$') {
        const substitution = this.substitution();
        if (substitution === null) {
          word += c;
          this.pos += 1;
        } else word += substitution;
      } else {
        word += c;
        this.pos += 1;
      }
    }
    return { word, quoted };
  }

  /** After the opening quote, up to and past the closing one. */
  private doubleQuoted(): string {
    let text = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos] as string;
      if (c === '"') {
        this.pos += 1;
        break;
      }
      if (c === '\\' && '"\\$`\n'.includes(this.text[this.pos + 1] ?? 'x')) {
        if (this.text[this.pos + 1] !== '\n') text += this.text[this.pos + 1];
        this.pos += 2;
      } else if (c === '`' || c === '$') {
        const substitution = this.substitution();
        if (substitution === null) {
          text += c;
          this.pos += 1;
        } else text += substitution;
      } else {
        text += c;
        this.pos += 1;
      }
    }
    return text;
  }

  /**
   * At ` or $: a command substitution is read as commands (and adds no text to the word),
   * $(( )) and ${ } are kept as text without looking inside. Null for a plain `$`.
   */
  private substitution(): string | null {
    const rest = this.text.slice(this.pos);
    if (rest.startsWith('`')) {
      this.pos += 1;
      this.list('`');
      return '';
    }
    if (rest.startsWith('$((') || rest.startsWith('${')) {
      const [open, close] = rest.startsWith('${') ? ['{', '}'] : ['(', ')'];
      let depth = 0;
      let end = 1;
      for (; end < rest.length; end++) {
        if (rest[end] === open) depth += 1;
        else if (rest[end] === close && --depth === 0) break;
      }
      this.pos += end + 1;
      return rest.slice(0, end + 1);
    }
    if (rest.startsWith('$(')) {
      this.pos += 2;
      this.list(')');
      return '';
    }
    return null;
  }
}

/** The simple commands of a command line, from substitutions too. */
export function simpleCommands(text: string): SimpleCommand[] {
  const tokenizer = new Tokenizer(text);
  tokenizer.list(null);
  return tokenizer.commands;
}
