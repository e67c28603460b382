import { suggestion, type Diagnostic } from './diagnostics.js';
import { fieldsOf } from './fields.js';
import { chainOf, flatten, type FlatProfile, type Located } from './flatten.js';
import { context, sourcePosition, type ProfileSource } from './load-file.js';
import { controlCharacterIn, fill, placeholdersIn, quotedPlaceholders } from './placeholders.js';
import { regexFindings, type RegexFindings } from './regex-lint.js';
import type { ParamValue } from './types.js';

type Report = (
  src: ProfileSource,
  path: (string | number)[],
  message: string,
  key?: boolean,
) => void;

function reporter(out: Diagnostic[], severity: Diagnostic['severity']): Report {
  return (src, path, message, key = false) =>
    out.push({
      severity,
      ...sourcePosition(src, path, key),
      message: `${context(['profiles', src.name, ...path])}${message}`,
    });
}

function compileError(source: string): string | null {
  try {
    new RegExp(source, 'm');
    return null;
  } catch (err) {
    return err instanceof Error
      ? err.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')
      : String(err);
  }
}

/**
 * Compiles a profile regex the way the navigator will: with the parameters' default values
 * inserted (escaped), and with a plain stand-in, so a value cannot break it either way.
 */
export function regexError(source: string, values: Record<string, string> = {}): string | null {
  const standIn = (s: string) => s.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*\}/g, 'x');
  return (
    compileError(standIn(fill(source, values, 'regex'))) ??
    compileError(standIn(fill(source, {}, 'regex')))
  );
}

/**
 * What a profile regex field can never match, read as gatewalk uses it: `deny` patterns and
 * parameter patterns without flags, the others with `m`; prompts and `page_end` at the cursor.
 */
export function fieldRegexFindings(value: string, path: (string | number)[]): RegexFindings {
  const last = path.at(-1);
  return regexFindings(value, {
    multiline: !path.includes('deny') && last !== 'pattern',
    atCursor: last === 'prompt' || last === 'page_end',
  });
}

/** A parameter's pattern, which the whole value must match. */
export function paramPattern(pattern: string): RegExp | null {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return null;
  }
}

/** A value as an error message shows it: long ones cut (an error is short). */
function shown(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}... (${text.length} characters)` : text;
}

export function paramValueProblem(
  name: string,
  value: ParamValue,
  spec: Located<{ pattern?: string; enum?: ParamValue[] }>['value'],
): string | null {
  const text = String(value);
  // Checked first and whatever the pattern says: a newline or ESC typed at a menu or shell is a
  // keystroke (Enter, a key sequence), which would steer the remote beyond the value.
  const control = controlCharacterIn(text);
  if (control) {
    return `param "${name}": the value holds a control character (${control}); parameter values are typed as text and may hold no newline, CR, ESC, NUL or other control character: pass the value without it`;
  }
  if (spec.enum && !spec.enum.map(String).includes(text)) {
    return `param "${name}": "${shown(text)}" is not one of: ${spec.enum.map(String).join(', ')}`;
  }
  const pattern = spec.pattern === undefined ? null : paramPattern(spec.pattern);
  if (pattern && !pattern.test(text)) {
    return `param "${name}": "${shown(text)}" does not match ${spec.pattern}`;
  }
  return null;
}

/**
 * Checks across files and past the schema: duplicate names, `extends` and `via` targets and
 * cycles, connect and final prompt, regexes, placeholders, parameter defaults. Returns the
 * errors and the flattened profiles that are sound enough to resolve and lint.
 */
export function checkProfiles(sources: ProfileSource[]): {
  diagnostics: Diagnostic[];
  flat: Map<string, FlatProfile>;
} {
  const diagnostics: Diagnostic[] = [];
  const error = reporter(diagnostics, 'error');
  const byName = new Map<string, ProfileSource>();
  for (const src of sources) {
    const first = byName.get(src.name);
    if (first) {
      const at = sourcePosition(first, [], true);
      error(src, [], `already defined at ${at.file}:${at.line}:${at.col}`, true);
      continue;
    }
    byName.set(src.name, src);
  }
  const names = [...byName.keys()];
  const unsound = new Set<string>();
  for (const src of byName.values()) {
    for (const key of ['extends', 'via'] as const) {
      const target = key === 'extends' ? src.raw.extends : src.raw.connect?.via;
      const path = key === 'extends' ? ['extends'] : ['connect', 'via'];
      if (target !== undefined && !byName.has(target)) {
        unsound.add(src.name);
        error(src, path, `no profile "${target}"${suggestion(target, names)}`);
      }
    }
    const cycle = extendsCycle(src.name, byName);
    if (cycle) error(src, ['extends'], `cycle: ${cycle.join(' -> ')}`);
  }
  const flat = new Map<string, FlatProfile>();
  for (const src of byName.values()) {
    const chain = chainOf(src.name, (n) => byName.get(n));
    // Problems in a parent are reported at the parent; checking its children would repeat them.
    if (!chain || chain.some((s) => !s.valid || unsound.has(s.name))) continue;
    const profile = flatten(chain);
    const before = diagnostics.length;
    checkFlat(profile, error);
    checkVia(profile, byName, error);
    if (diagnostics.length === before) flat.set(src.name, profile);
  }
  // A jump through a profile that has errors cannot be taken either (its errors are reported).
  for (let removed = true; removed;) {
    removed = false;
    for (const [name, profile] of flat) {
      const via = profile.connect.via?.value;
      if (via !== undefined && !flat.has(via)) removed = flat.delete(name);
    }
  }
  return { diagnostics, flat };
}

/** The cycle `name` is part of (a -> b -> a), or null. */
function extendsCycle(name: string, byName: Map<string, ProfileSource>): string[] | null {
  const path = [name];
  for (
    let next = byName.get(name)?.raw.extends;
    next !== undefined;
    next = byName.get(next)?.raw.extends
  ) {
    if (next === name) return [...path, name];
    if (path.includes(next) || !byName.has(next)) return null;
    path.push(next);
  }
  return null;
}

function checkVia(profile: FlatProfile, byName: Map<string, ProfileSource>, error: Report): void {
  const via = profile.connect.via;
  if (!via) return;
  const seen = [profile.name];
  for (let next: string | undefined = via.value; next !== undefined;) {
    if (seen.includes(next)) {
      error(via.src, via.path, `cycle: ${[...seen, next].join(' -> ')}`);
      return;
    }
    seen.push(next);
    const src = byName.get(next);
    const chain: ProfileSource[] | null = src ? chainOf(next, (n) => byName.get(n)) : null;
    if (!chain) return;
    const target = flatten(chain);
    if (seen.length === 2) {
      // A jump host is connected to with its defaults only: it needs a host and no required param.
      if (!target.connect.host)
        error(via.src, via.path, `"${next}" has no connect.host: nothing to jump through`);
      const required = Object.entries(target.params)
        .filter(([, v]) => v.value.default === undefined)
        .map(([k]) => k);
      if (required.length > 0) {
        error(
          via.src,
          via.path,
          `"${next}" needs param ${required.join(', ')} without a default: a via target is used with its defaults`,
        );
      }
    }
    next = target.connect.via?.value;
  }
}

function checkFlat(p: FlatProfile, error: Report): void {
  const self = p.self;
  if (!p.abstract) {
    if (!p.connect.host) {
      const why = Object.keys(p.connect).length > 0 ? 'connect has no host' : 'no connect';
      error(self, [], `${why} (nor does any profile it extends)`, true);
    }
    const last = p.hops.at(-1);
    if (!last) {
      error(
        self,
        [],
        'no hops: add one with a prompt, or mark the profile abstract: true if it is only extended or used as via',
        true,
      );
    } else if (last.value.prompt === undefined) {
      const of = last.src.name === p.name ? '' : ` of profile "${p.name}"`;
      error(last.src, last.path, `the last hop ("${last.value.name}")${of} needs a prompt`);
    }
  }
  const params = Object.keys(p.params);
  const defaults = Object.fromEntries(
    Object.entries(p.params).flatMap(([k, v]) =>
      v.value.default === undefined ? [] : [[k, String(v.value.default)]],
    ),
  );
  const port = p.connect.port;
  if (
    port &&
    typeof port.value === 'string' &&
    placeholdersIn(port.value).every((n) => n in defaults)
  ) {
    const value = Number(fill(port.value, defaults, 'text'));
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
      error(
        port.src,
        port.path,
        `with its parameters' defaults the port is "${fill(port.value, defaults, 'text')}", not a port number from 1 to 65535`,
      );
    }
  }
  for (const field of fieldsOf(p)) {
    if (field.kind === 'regex') {
      const problem = regexError(field.value, defaults);
      if (problem) error(field.src, field.path, `invalid regex: ${problem}`);
      const never = problem ? null : fieldRegexFindings(field.value, field.path).never;
      if (never) error(field.src, field.path, `can never match: ${never}`);
    }
    for (const name of placeholdersIn(field.value)) {
      if (params.includes(name) || field.groups?.includes(name)) continue;
      const known = [...params, ...(field.groups ?? [])];
      const listed = known.length > 0 ? `; known: ${known.join(', ')}` : '';
      error(
        field.src,
        field.path,
        `\${${name}} is not a parameter of profile "${p.name}"${suggestion(name, known)}${listed}`,
      );
    }
    if (field.typedInto === 'shell') {
      for (const { name, inside } of quotedPlaceholders(field.value)) {
        if (!params.includes(name) || p.params[name]?.value.raw === true) continue;
        error(
          field.src,
          field.path,
          `\${${name}} stands inside ${inside}: a value typed into a shell is quoted by gatewalk, ` +
            `so write \${${name}} bare (not "\${${name}}"), or give param "${name}" raw: true and a pattern`,
        );
      }
    }
  }
  for (const [name, param] of Object.entries(p.params)) {
    const spec = param.value;
    if (spec.pattern !== undefined) {
      const at = [...param.path, 'pattern'];
      const problem = compileError(spec.pattern);
      if (problem) error(param.src, at, `invalid regex: ${problem}`);
      const never = problem ? null : fieldRegexFindings(spec.pattern, at).never;
      if (never) error(param.src, at, `can never match: ${never}`);
    }
    if (spec.default !== undefined) {
      const problem = paramValueProblem(name, spec.default, spec);
      if (problem)
        error(param.src, [...param.path, 'default'], problem.replace(/^param "[^"]+": /, ''));
    }
  }
}
