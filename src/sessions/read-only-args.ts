// Argument readers for read_only's allow-list (read-only-commands.ts): GNU-style options, and
// the commands whose arguments are programs or requests (sed and awk scripts, SQL, curl, wget),
// read for what they would write or run.

export type Check = (args: string[]) => string | null;

export interface Options {
  short: Set<string>;
  long: Set<string>;
  /** Values of options that take one, by option (`-o`, `--output`). */
  values: Map<string, string[]>;
  positionals: string[];
}

/**
 * Reads options the GNU way (anywhere, `--` ends them): `withArg` are the short letters that
 * take a value (`-ofile`, `-o file`), `longWithArg` the long ones (`--out=f`, `--out f`).
 */
export function options(args: string[], withArg = '', longWithArg: string[] = []): Options {
  const o: Options = { short: new Set(), long: new Set(), values: new Map(), positionals: [] };
  const add = (name: string, value: string) =>
    o.values.set(name, [...(o.values.get(name) ?? []), value]);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      o.positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg : arg.slice(0, eq);
      o.long.add(name);
      if (eq !== -1) add(name, arg.slice(eq + 1));
      else if (longWithArg.includes(name)) add(name, args[++i] ?? '');
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let k = 1; k < arg.length; k++) {
        const c = arg[k] as string;
        o.short.add(c);
        if (withArg.includes(c)) {
          add(`-${c}`, k + 1 < arg.length ? arg.slice(k + 1) : (args[++i] ?? ''));
          break;
        }
      }
    } else o.positionals.push(arg);
  }
  return o;
}

/** The first short letter or long option of `refused` that the arguments use, as `-x`. */
export function uses(o: Options, letters: string, longs: string[] = []): string | null {
  for (const c of letters) if (o.short.has(c)) return `-${c}`;
  return longs.find((l) => o.long.has(l)) ?? null;
}

export const refuseOptions =
  (name: string, letters: string, longs: string[], withArg = '', longWithArg: string[] = []) =>
  (args: string[]) => {
    const hit = uses(options(args, withArg, longWithArg), letters, longs);
    return hit ? `${name} ${hit}` : null;
  };

/** Only when nothing but listing options is given (`alias`, `export`, `set` with no names). */
export const bare = (name: string) => (args: string[]) =>
  args.length === 0 ? null : `${name} ${args[0]}`;

/** A subcommand tool: `verbs` are the read-only ones; `withArg` are global options' values. */
export function verbs(
  name: string,
  allowed: string,
  withArg = '',
  longWithArg: string[] = [],
): Check {
  const set = new Set(allowed.split(' '));
  return (args) => {
    const verb = options(args, withArg, longWithArg).positionals[0];
    return verb === undefined || set.has(verb) ? null : `${name} ${verb}`;
  };
}

/** sed: no -i, no script file, and a script of commands that only print (see sedScript). */
export function sed(args: string[]): string | null {
  const o = options(args, 'efl', ['--expression', '--file', '--line-length']);
  const hit = uses(o, 'if', ['--in-place', '--file']);
  if (hit) return `sed ${hit}`;
  const scripts = [...(o.values.get('-e') ?? []), ...(o.values.get('--expression') ?? [])];
  if (scripts.length === 0 && o.positionals[0] !== undefined) scripts.push(o.positionals[0]);
  for (const script of scripts) {
    const bad = sedScript(script);
    if (bad) return `sed ${bad}`;
  }
  return null;
}

/**
 * The first sed command that writes or runs something (`w`, `W`, `e`, `s///w`, `s///e`) or
 * that this reader does not know, or null. Addresses, `s`, `y`, labels, text and printing
 * commands are read; anything else is refused.
 */
export function sedScript(script: string): string | null {
  let i = 0;
  const s = script;
  const delimited = (d: string) => {
    // From after the opening delimiter to past the closing one, escapes skipped.
    while (i < s.length && s[i] !== d && s[i] !== '\n') i += s[i] === '\\' ? 2 : 1;
    i += 1;
  };
  const toEol = () => {
    while (i < s.length && s[i] !== '\n') i += 1;
  };
  while (i < s.length) {
    const c = s[i] as string;
    if (' \t\n;{}!'.includes(c)) i += 1;
    else if (/[0-9$,~+]/.test(c)) i += 1;
    else if (c === '/' || c === '\\') {
      if (c === '\\') i += 1;
      const d = s[i] ?? '/';
      i += 1;
      delimited(d);
      while (s[i] === 'I' || s[i] === 'M') i += 1;
    } else if (c === 's' || c === 'y') {
      const d = s[i + 1] ?? '/';
      i += 2;
      delimited(d);
      delimited(d);
      if (c === 's') {
        const flags = /^[gpiImMe0-9w]*/.exec(s.slice(i))?.[0] ?? '';
        if (flags.includes('w') || flags.includes('e')) return `s///${flags}`;
        i += flags.length;
      }
    } else if ('pdqQ=nNPDhHgGxlzFv'.includes(c)) i += 1;
    else if ('aicrR#:btT'.includes(c))
      toEol(); // text, a file read, a comment, a label
    else return c; // w, W, e and whatever this reader does not know
  }
  return null;
}

/** awk: no program file, no system(), pipes, output redirection or extensions. */
export function awk(args: string[]): string | null {
  const o = options(args, 'fvFiElW', ['--file', '--include', '--load', '--exec', '--source']);
  const hit = uses(o, 'fiElW', ['--file', '--include', '--load', '--exec']);
  if (hit) return `awk ${hit}`;
  const programs = [...(o.values.get('--source') ?? [])];
  if (programs.length === 0 && o.positionals[0] !== undefined) programs.push(o.positionals[0]);
  for (const p of programs) {
    if (/\bsystem\s*\(/.test(p)) return 'awk system()';
    if (/(^|[^|])\|(?!\|)/.test(p)) return 'awk |';
    if (/\bprintf?\b[^;{}\n]*>/.test(p)) return 'awk print >';
    if (/@load|\bgetline\b[^;{}\n]*\|/.test(p)) return 'awk @load';
  }
  return null;
}

/** psql, mysql: only with SQL given on the command line, and only statements that read. */
export function sql(name: string, flag: string, long: string): Check {
  const reads =
    /^\s*(select|show|explain|with|table|values|describe|desc|\\d[a-zA-Z+]*|\\l\+?|\\dn|\\du|\\conninfo)\b/i;
  const writes =
    /\b(insert|update|delete|drop|alter|truncate|create|grant|revoke|copy|call|do|lock|vacuum|analyze|reindex|cluster|refresh|notify|into|load|replace|merge|rename|comment|set|reset|nextval|setval|lo_import|lo_export|pg_terminate_backend|pg_cancel_backend|pg_reload_conf|dblink_exec|system)\b|\\[!ogwi]|\\copy/i;
  return (args) => {
    const o = options(args, `${flag}fodhpUvL`, [
      long,
      '--file',
      '--output',
      '--log-file',
      '--host',
      '--port',
      '--username',
      '--set',
      '--dbname',
    ]);
    const hit = uses(o, 'foL', ['--file', '--output', '--log-file']);
    if (hit) return `${name} ${hit}`;
    const statements = [...(o.values.get(`-${flag}`) ?? []), ...(o.values.get(long) ?? [])];
    if (statements.length === 0) return `${name} (interactive)`;
    for (const text of statements) {
      for (const part of text.split(';')) {
        if (!part.trim()) continue;
        const verb =
          writes.exec(part)?.[0] ?? (reads.test(part) ? null : part.trim().split(/\s+/)[0]);
        if (verb) return `${name} ${verb.toUpperCase()}`;
      }
    }
    return null;
  };
}

/** curl: no output files, uploads, request bodies or methods other than GET and HEAD. */
export function curl(args: string[]): string | null {
  const withArg = 'AbcdDeEFHKmorTuUwxXyYzCPQt';
  const longWithArg = [
    '--output',
    '--request',
    '--data',
    '--header',
    '--user',
    '--config',
    '--dump-header',
    '--cookie-jar',
    '--trace',
    '--trace-ascii',
    '--stderr',
    '--upload-file',
    '--form',
    '--output-dir',
    '--json',
  ];
  const o = options(args, withArg, longWithArg);
  const hit = uses(o, 'oODcKTFdJ', [
    '--output',
    '--remote-name',
    '--remote-name-all',
    '--dump-header',
    '--cookie-jar',
    '--config',
    '--upload-file',
    '--form',
    '--form-string',
    '--data',
    '--data-raw',
    '--data-binary',
    '--data-urlencode',
    '--data-ascii',
    '--json',
    '--trace',
    '--trace-ascii',
    '--stderr',
    '--libcurl',
    '--etag-save',
    '--hsts',
    '--alt-svc',
    '--output-dir',
    '--create-dirs',
  ]);
  if (hit) return `curl ${hit}`;
  const method = [...(o.values.get('-X') ?? []), ...(o.values.get('--request') ?? [])].find(
    (m) => !/^(GET|HEAD)$/i.test(m),
  );
  return method === undefined ? null : `curl -X ${method}`;
}

/** wget only to standard output (`-O -`, `-qO-`), with no other file or request option. */
export function wget(args: string[]): string | null {
  const o = options(args, 'OoaPeiBtTU', [
    '--output-document',
    '--output-file',
    '--append-output',
    '--directory-prefix',
    '--execute',
  ]);
  const out = [...(o.values.get('-O') ?? []), ...(o.values.get('--output-document') ?? [])];
  if (out.length === 0 || out.some((f) => f !== '-')) return 'wget (writes a file)';
  const hit = uses(o, 'oaPerpmxNck', [
    '--output-file',
    '--append-output',
    '--directory-prefix',
    '--execute',
    '--recursive',
    '--mirror',
    '--page-requisites',
    '--post-data',
    '--post-file',
    '--method',
    '--body-data',
    '--body-file',
    '--save-cookies',
    '--config',
    '--input-file',
  ]);
  return hit ? `wget ${hit}` : null;
}
