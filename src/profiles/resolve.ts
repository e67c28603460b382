import { homedir } from 'node:os';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { GatewalkError } from '../errors.js';
import { paramValueProblem } from './check.js';
import { durationMs } from './duration.js';
import type { FlatProfile, Located } from './flatten.js';
import { sourcePosition, type ProfileSource } from './load-file.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_OPEN_TIMEOUT_MS, DEFAULT_TIMEOUT_MS } from './lint.js';
import { stepsTypedInto, type Typed } from './fields.js';
import { fill, fillShell } from './placeholders.js';
import type {
  Alternative,
  Connect,
  Handler,
  HostKeyPolicy,
  Hop,
  KeyName,
  ParamSpec,
  ParamValue,
  RawDuration,
  RawHandler,
  RawStep,
  ResolvedProfile,
  SecretRef,
  Step,
} from './types.js';

/** The last line of a drawn menu page, when the profile does not say: a prompt or a pager. */
// A page's last line reads like a prompt: ASCII punctuation and a space (`[Host]> `; a line
// that heads a section, `Staging:`, has none), full-width punctuation (`请输入资产ID：`), or a
// pager's prompt.
/** Re-entries in a row without a command completing in between, when `reconnect` omits `max`. */
export const DEFAULT_REENTRY_MAX = 2;

export const DEFAULT_PAGE_END = String.raw`(?:[:>$#?%\]] |[：＞？》]|--More--|\(END\))\s*$`;

/** `~` expands; a relative path resolves against the profile file's folder. */
export function resolveFilePath(path: string, dir: string): string {
  const expanded = path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
  return isAbsolute(expanded) ? expanded : resolvePath(dir, expanded);
}

function secretPaths(secret: SecretRef, dir: string): SecretRef {
  if ('file' in secret) return { file: resolveFilePath(secret.file, dir) };
  if ('totp' in secret) return { totp: secretPaths(secret.totp, dir) };
  return { ...secret };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The parameters as callers see them: values as strings. */
export function paramSpecs(p: FlatProfile): Record<string, ParamSpec> {
  const params: Record<string, ParamSpec> = {};
  for (const [name, { value }] of Object.entries(p.params)) {
    params[name] = {
      ...(value.description === undefined ? {} : { description: value.description }),
      ...(value.default === undefined ? {} : { default: String(value.default) }),
      ...(value.pattern === undefined ? {} : { pattern: value.pattern }),
      ...(value.enum === undefined ? {} : { enum: value.enum.map(String) }),
    };
  }
  return params;
}

/** The parameter values of a walk: defaults, then the caller's, each checked. */
export function paramValues(
  p: FlatProfile,
  given: Record<string, ParamValue> = {},
): Record<string, string> {
  const problems: string[] = [];
  const known = Object.keys(p.params);
  for (const name of Object.keys(given)) {
    if (!known.includes(name)) {
      problems.push(
        `profile "${p.name}" has no param "${name}" (params: ${known.join(', ') || 'none'})`,
      );
    }
  }
  const values: Record<string, string> = {};
  for (const [name, { value: spec }] of Object.entries(p.params)) {
    const value = Object.hasOwn(given, name) ? given[name] : spec.default;
    if (value === undefined) {
      problems.push(
        `param "${name}" needs a value${spec.description ? ` (${spec.description})` : ''}`,
      );
      continue;
    }
    const problem = paramValueProblem(name, value, spec);
    if (problem) {
      const at = sourcePosition(p.params[name]!.src, p.params[name]!.path);
      problems.push(`${problem} (declared at ${at.file}:${at.line}:${at.col})`);
    }
    values[name] = String(value);
  }
  if (problems.length > 0) {
    throw new GatewalkError('param_invalid', `profile "${p.name}": ${problems.join('; ')}`);
  }
  return values;
}

/**
 * Turns a flattened, checked profile and parameter values into the frozen profile a walk
 * follows: durations in ms, regexes with values inserted as literals, paths absolute.
 */
export function resolveProfile(
  p: FlatProfile,
  given: Record<string, ParamValue> = {},
): ResolvedProfile {
  const values = paramValues(p, given);
  const text = (s: string) => fill(s, values, 'text');
  // Values typed into a POSIX shell are one shell word each (see fillShell): a value cannot
  // run a command of its own, unless its parameter says raw: true.
  const typed = (s: string, into: Typed) =>
    into === 'shell' ? fillShell(s, values, (name) => p.params[name]?.value.raw === true) : text(s);
  const regex = (s: string) => fill(s, values, 'regex');
  const defaultWait = p.timeout ? durationMs(p.timeout.value) : DEFAULT_TIMEOUT_MS;
  const wait = (d: RawDuration | undefined) => (d === undefined ? defaultWait : durationMs(d));
  const where = (src: ProfileSource, path: (string | number)[]) => sourcePosition(src, path);

  const handler = (h: RawHandler, src: ProfileSource, path: (string | number)[]): Handler => ({
    match: regex(h.match),
    action:
      h.send_text !== undefined
        ? { kind: 'send_text', text: text(h.send_text) }
        : h.send_secret !== undefined
          ? { kind: 'send_secret', secret: secretPaths(h.send_secret, src.dir) }
          : { kind: 'fail', message: text(h.fail ?? 'handler matched') },
    source: where(src, path),
  });

  const steps = (
    list: RawStep[],
    src: ProfileSource,
    path: (string | number)[],
    into: Typed,
  ): Step[] =>
    list.map((step, i): Step => {
      const at = [...path, i];
      const source = where(src, at);
      if ('send_text' in step) {
        const s = step.send_text;
        return typeof s === 'string'
          ? { kind: 'send_text', text: typed(s, into), enter: true, source }
          : { kind: 'send_text', text: typed(s.text, into), enter: s.enter ?? true, source };
      }
      if ('send_secret' in step) {
        return {
          kind: 'send_secret',
          secret: secretPaths(step.send_secret, src.dir),
          enter: true,
          source,
        };
      }
      if ('send_keys' in step)
        return { kind: 'send_keys', keys: step.send_keys as KeyName[], source };
      if ('wait_for' in step) {
        const w = step.wait_for;
        if (typeof w === 'string') {
          return {
            kind: 'wait_for',
            alternatives: [{ match: regex(w), then: [], timeoutMs: defaultWait }],
            timeoutMs: defaultWait,
            source,
          };
        }
        if (!Array.isArray(w)) {
          const t = wait(w.timeout);
          return {
            kind: 'wait_for',
            alternatives: [{ match: regex(w.match), then: [], timeoutMs: t }],
            timeoutMs: t,
            source,
          };
        }
        const own = w.flatMap((a) => (a.timeout === undefined ? [] : [durationMs(a.timeout)]));
        const timeoutMs = own.length > 0 ? Math.max(...own) : defaultWait;
        const alternatives = w.map((a, j): Alternative => ({
          match: regex(a.match),
          then: steps(a.then ?? [], src, [...at, 'wait_for', j, 'then'], into),
          ...(a.fail === undefined ? {} : { fail: text(a.fail) }),
          timeoutMs,
        }));
        return { kind: 'wait_for', alternatives, timeoutMs, source };
      }
      const s = step.select;
      const next = s.next_page;
      return {
        kind: 'select',
        line: regex(s.line),
        item: regex(s.item),
        send: text(s.send),
        nextPage: !next
          ? null
          : 'send_text' in next
            ? { kind: 'send_text', text: text(next.send_text) }
            : { kind: 'send_keys', keys: next.send_keys },
        maxPages: s.max_pages ?? 10,
        pageEnd: s.page_end === undefined ? DEFAULT_PAGE_END : regex(s.page_end),
        timeoutMs: wait(s.timeout),
        source,
      };
    });

  const rawHops = p.hops.map((h) => h.value);
  const hops = p.hops.map(({ value: h, src, path }, index): Hop => ({
    name: h.name,
    steps: steps(h.steps ?? [], src, [...path, 'steps'], stepsTypedInto(rawHops, index)),
    prompt: h.prompt === undefined ? null : regex(h.prompt),
    shell: h.shell ?? 'none',
    exit: h.exit === undefined ? null : typed(h.exit, h.shell === 'posix' ? 'shell' : 'other'),
    on: (h.on ?? []).map((x, i) => handler(x, src, [...path, 'on', i])),
    declaredBy: src.name,
    source: where(src, path),
  }));

  const terminal = {
    term: p.terminal.term ?? 'xterm-256color',
    cols: p.terminal.cols ?? 200,
    rows: p.terminal.rows ?? 50,
  };
  if (p.idleKeepalive && durationMs(p.idleKeepalive.value.every) < 1000)
    throw new GatewalkError(
      'profile_invalid',
      `profile "${p.name}": idle_keepalive.every must be at least 1s (it types a line at the last hop each time)`,
    );
  return deepFreeze({
    name: p.name,
    description: p.self.raw.description ?? '',
    source: sourcePosition(p.self, [], true),
    ancestors: p.chain.slice(1).map((s) => s.name),
    params: paramSpecs(p),
    values,
    connect: connectOf(p, text),
    terminal,
    timeoutMs: defaultWait,
    openTimeoutMs: p.openTimeout ? durationMs(p.openTimeout.value) : DEFAULT_OPEN_TIMEOUT_MS,
    policy: {
      readOnly: p.policy.read_only?.value ?? false,
      deny: (p.policy.deny?.value ?? []).map(regex),
    },
    // Kept when `on` is empty: the profile turns re-entry off even where the server turns it on.
    ...(p.reconnect
      ? {
          reconnect: {
            on: [...new Set(p.reconnect.value.on)],
            max: p.reconnect.value.max ?? DEFAULT_REENTRY_MAX,
          },
        }
      : {}),
    ...(p.idleKeepalive
      ? {
          idleKeepalive: {
            text: p.idleKeepalive.value.send_text,
            everyMs: durationMs(p.idleKeepalive.value.every),
          },
        }
      : {}),
    on: p.on.map(({ value, src, path }) => handler(value, src, path)),
    hops,
  });
}

function connectOf(p: FlatProfile, text: (s: string) => string): Connect {
  const c = p.connect;
  const secret = (s: Located<SecretRef> | undefined) =>
    s ? secretPaths(s.value, s.src.dir) : null;
  let port: number | null = null;
  if (c.port) {
    port = Number(text(String(c.port.value)));
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new GatewalkError(
        'param_invalid',
        `profile "${p.name}": port "${text(String(c.port.value))}" is not a TCP port`,
      );
    }
  }
  let hostKey: HostKeyPolicy = { kind: 'default' };
  const hk = c.host_key;
  if (hk) {
    const v = hk.value;
    hostKey =
      'fingerprint' in v
        ? { kind: 'fingerprint', fingerprint: v.fingerprint }
        : 'known_hosts' in v
          ? { kind: 'known_hosts', path: resolveFilePath(v.known_hosts, hk.src.dir) }
          : { kind: 'accept_new', path: resolveFilePath(v.accept_new, hk.src.dir) };
  }
  return {
    host: text(c.host?.value ?? ''),
    port,
    user: c.user ? text(c.user.value) : null,
    password: secret(c.password),
    privateKey: secret(c.private_key),
    passphrase: secret(c.passphrase),
    agent: c.agent?.value ?? false,
    hostKey,
    via: c.via?.value ?? null,
    keepaliveMs: c.keepalive ? durationMs(c.keepalive.value) : null,
    timeoutMs: c.timeout ? durationMs(c.timeout.value) : DEFAULT_CONNECT_TIMEOUT_MS,
  };
}
