// A small shell tokenizer for the command policy (policy.ts): it finds the simple commands of a
// command line and their redirections, without expanding or running anything. It knows ' and "
// quotes and backslashes; the separators ; && || | & newlines and ( ); $( ) and backticks, also
// inside double quotes, whose commands are returned too; <( ) and >( ); $(( )) and ${ } as
// opaque text; redirections with or without a file descriptor number; here documents, whose
// bodies are skipped; # comments. It does not know aliases, functions, variables, globs, case
// patterns or arrays: it reads text as typed, which is what a guard rail needs and no more.
// What it cannot read for sure it says: a word whose value the shell would change (an
// expansion, a glob, braces, `$'...'`) is marked not literal, and a line the shell would go
// on reading (an open quote or substitution, a trailing `\`, `|`, `&&`, a here document) is
// marked incomplete, so that read_only can refuse what it cannot check.

export interface Redirect {
  /** The file descriptor written before the operator (`2` in `2>`), or ''. */
  fd: string;
  op: string;
  target: string;
}

export interface SimpleCommand {
  words: string[];
  /** Per word: true when the shell would use it as written (no expansion, glob or braces). */
  literal: boolean[];
  redirects: Redirect[];
}

export interface ParsedLine {
  commands: SimpleCommand[];
  /** False when the shell would wait for more lines (open quote, trailing `\` or `|`, ...). */
  complete: boolean;
  /** `(` opened minus `)` closed at the top level: not 0 means an open subshell. */
  parens: number;
}

const BLANK = new Set([' ', '\t', '\r']);
/** Characters that end an unquoted word. */
const WORD_END = new Set([...BLANK, '\n', ';', '&', '|', '(', ')', '<', '>']);

/** Splits a command line into its simple commands, those of substitutions included. */
class Tokenizer {
  private pos = 0;
  readonly commands: SimpleCommand[] = [];
  private heredocs: { delimiter: string; tabs: boolean }[] = [];
  /** Something was left open at the end of the text: a quote, a substitution, a `\`. */
  unclosed = false;
  parens = 0;
  /** Here documents whose bodies have not started yet (their line has not ended). */
  get pendingHeredocs(): number {
    return this.heredocs.length;
  }
  /** Set while a word is read: whether its value is what the shell would use. */
  private literal = true;

  constructor(private readonly text: string) {}

  /** Reads commands until `stop` (the end of a substitution) or the end of the text. */
  list(stop: ')' | '`' | null): void {
    let current: SimpleCommand = { words: [], literal: [], redirects: [] };
    const flush = () => {
      if (current.words.length > 0 || current.redirects.length > 0) this.commands.push(current);
      current = { words: [], literal: [], redirects: [] };
    };
    while (this.pos < this.text.length) {
      const c = this.text[this.pos] as string;
      const next = this.text[this.pos + 1];
      if (BLANK.has(c)) this.pos += 1;
      else if (c === '\\' && next === '\n') this.pos += 2;
      else if (c === '\\' && next === undefined) {
        this.unclosed = true; // a line continuation: the shell reads on
        this.pos += 1;
      } else if (c === '#') this.skipComment();
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
        if (c === '(') this.parens += 1;
        else if (c === ')') this.parens -= 1;
        flush();
        this.pos += 1;
      } else {
        const { word, quoted, literal } = this.word(stop);
        const after = this.text[this.pos];
        if (!quoted && /^\d+$/.test(word) && (after === '<' || after === '>')) {
          current.redirects.push(this.redirect(word, stop));
        } else {
          current.words.push(word);
          current.literal.push(literal);
        }
      }
    }
    // The text ended inside a substitution: the shell would wait for its `)` or backtick.
    if (stop !== null && this.pos >= this.text.length && this.text.at(-1) !== stop)
      this.unclosed = true;
    flush();
  }

  private skipComment(): void {
    while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos += 1;
  }

  private skipHeredocBodies(): void {
    for (const { delimiter, tabs } of this.heredocs) {
      let found = false;
      while (this.pos < this.text.length && !found) {
        const end = this.text.indexOf('\n', this.pos);
        const line = this.text.slice(this.pos, end === -1 ? undefined : end);
        this.pos = end === -1 ? this.text.length : end + 1;
        found = (tabs ? line.replace(/^\t+/, '') : line) === delimiter;
      }
      if (!found) this.unclosed = true; // the body goes on past the text
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

  /**
   * One word, quotes removed; substitutions in it are read as commands and leave no text.
   * `literal` is false when the shell would change the word: `$` (variables, substitutions,
   * `$'...'`), backticks, unquoted glob characters, braces (`{a,b}`, but not a bare `{}`), a
   * leading `~`, an unquoted `!`.
   */
  private word(stop: string | null): { word: string; quoted: boolean; literal: boolean } {
    const outer = this.literal;
    this.literal = true;
    const start = this.pos;
    let word = '';
    let quoted = false;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos] as string;
      if (WORD_END.has(c) || c === stop) break;
      if (c === "'") {
        quoted = true;
        const end = this.text.indexOf("'", this.pos + 1);
        if (end === -1) this.unclosed = true;
        word += this.text.slice(this.pos + 1, end === -1 ? undefined : end);
        this.pos = end === -1 ? this.text.length : end + 1;
      } else if (c === '"') {
        quoted = true;
        this.pos += 1;
        word += this.doubleQuoted();
      } else if (c === '\\') {
        if (this.pos + 1 >= this.text.length) this.unclosed = true;
        if (this.text[this.pos + 1] !== '\n') word += this.text[this.pos + 1] ?? '';
        this.pos += 2;
      } else if (c === '`' || c === '$') {
        this.literal = false;
        const substitution = this.substitution();
        if (substitution === null) {
          word += c;
          this.pos += 1;
        } else word += substitution;
      } else {
        if ('*?[]{}!'.includes(c) || (c === '~' && this.pos === start)) this.literal = false;
        word += c;
        this.pos += 1;
      }
    }
    // `{}` is not brace expansion (find -exec's placeholder), `[` alone not a pattern.
    const literal = this.literal || /^(?:\{\}|\[\[?|\]\]?)$/.test(this.text.slice(start, this.pos));
    this.literal = outer;
    return { word, quoted, literal };
  }

  /** After the opening quote, up to and past the closing one. */
  private doubleQuoted(): string {
    let text = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos] as string;
      if (c === '"') {
        this.pos += 1;
        return text;
      }
      if (c === '\\' && '"\\$`\n'.includes(this.text[this.pos + 1] ?? 'x')) {
        if (this.text[this.pos + 1] !== '\n') text += this.text[this.pos + 1];
        this.pos += 2;
      } else if (c === '`' || c === '$') {
        this.literal = false;
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
    this.unclosed = true;
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
      if (end >= rest.length) this.unclosed = true;
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
  return parseLine(text).commands;
}

/** The simple commands, and whether the shell would take the text as a whole command. */
export function parseLine(text: string): ParsedLine {
  const tokenizer = new Tokenizer(text);
  tokenizer.list(null);
  // A here document's body comes on the lines after; `|`, `&&`, `||` at the end want more.
  const heredocOpen = tokenizer.pendingHeredocs > 0;
  const trailing = /(?:\|\||&&|\|)\s*$/.test(text);
  return {
    commands: tokenizer.commands,
    complete: !tokenizer.unclosed && !heredocOpen && !trailing && tokenizer.parens === 0,
    parens: tokenizer.parens,
  };
}

/**
 * Whether typing the text at an interactive bash or zsh would expand history (`!!`, `!-2`,
 * `!$`, `!rm`, `^a^b` at the start): each line is read on its own, and a `!` counts unless it
 * is in single quotes, escaped, or followed by a blank or the end of the line.
 */
export function hasHistoryExpansion(text: string): boolean {
  for (const line of text.split(/\r|\n/)) {
    if (line.trimStart().startsWith('^')) return true;
    let quote: "'" | '"' | null = null;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quote === "'") {
        if (c === "'") quote = null;
      } else if (c === '\\') i += 1;
      else if (c === "'" && quote === null) quote = "'";
      else if (c === '"') quote = quote === '"' ? null : '"';
      else if (c === '!' && !/^[ \t]?$/.test(line[i + 1] ?? '')) return true;
    }
  }
  return false;
}
