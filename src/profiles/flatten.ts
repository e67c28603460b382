import type { ProfileSource } from './load-file.js';
import type {
  RawConnect,
  RawDuration,
  RawHandler,
  RawHop,
  RawIdleKeepalive,
  RawParam,
  RawPolicy,
  RawReconnect,
} from './types.js';

/** A value together with the profile source and path it was written at. */
export interface Located<T> {
  value: T;
  src: ProfileSource;
  /** Path below `profiles.<src.name>`. */
  path: (string | number)[];
}

/** A profile with its `extends` chain applied, every piece still knowing where it came from. */
export interface FlatProfile {
  name: string;
  self: ProfileSource;
  /** The profile first, then what it extends, nearest first. */
  chain: ProfileSource[];
  abstract: boolean;
  params: Record<string, Located<RawParam>>;
  connect: { [K in keyof RawConnect]?: Located<NonNullable<RawConnect[K]>> };
  terminal: { term?: string; cols?: number; rows?: number };
  timeout?: Located<RawDuration>;
  openTimeout?: Located<RawDuration>;
  policy: { [K in keyof RawPolicy]?: Located<NonNullable<RawPolicy[K]>> };
  reconnect?: Located<RawReconnect>;
  idleKeepalive?: Located<RawIdleKeepalive>;
  on: Located<RawHandler>[];
  hops: Located<RawHop>[];
}

/**
 * The `extends` chain of a profile, nearest first; null when it has a cycle or an unknown
 * parent (reported elsewhere).
 */
export function chainOf(
  name: string,
  lookup: (n: string) => ProfileSource | undefined,
): ProfileSource[] | null {
  const chain: ProfileSource[] = [];
  const seen = new Set<string>();
  let current: string | undefined = name;
  while (current !== undefined) {
    if (seen.has(current)) return null;
    seen.add(current);
    const src = lookup(current);
    if (!src) return null;
    chain.push(src);
    current = src.raw.extends;
  }
  return chain;
}

/**
 * Applies the chain: params, connect, terminal and policy merge key by key (the nearer profile
 * wins), timeouts, reconnect and idle_keepalive come from the nearest profile that sets them, handlers and hops add up, the
 * farthest ancestor's first.
 */
export function flatten(chain: ProfileSource[]): FlatProfile {
  const self = chain[0] as ProfileSource;
  const flat: FlatProfile = {
    name: self.name,
    self,
    chain,
    abstract: self.raw.abstract === true,
    params: {},
    connect: {},
    terminal: {},
    policy: {},
    on: [],
    hops: [],
  };
  for (const src of [...chain].reverse()) {
    const raw = src.raw;
    for (const [name, param] of Object.entries(raw.params ?? {})) {
      // A child may restate just the default: the rest of the parent's spec still holds.
      flat.params[name] = {
        value: { ...flat.params[name]?.value, ...param },
        src,
        path: ['params', name],
      };
    }
    for (const [key, value] of Object.entries(raw.connect ?? {})) {
      if (value !== undefined) {
        (flat.connect as Record<string, Located<unknown>>)[key] = {
          value,
          src,
          path: ['connect', key],
        };
      }
    }
    // Key by key, so a child can lift read_only and keep the parent's deny list, or the reverse.
    for (const [key, value] of Object.entries(raw.policy ?? {})) {
      if (value !== undefined) {
        (flat.policy as Record<string, Located<unknown>>)[key] = {
          value,
          src,
          path: ['policy', key],
        };
      }
    }
    Object.assign(flat.terminal, raw.terminal ?? {});
    if (raw.timeout !== undefined) flat.timeout = { value: raw.timeout, src, path: ['timeout'] };
    if (raw.open_timeout !== undefined) {
      flat.openTimeout = { value: raw.open_timeout, src, path: ['open_timeout'] };
    }
    // Whole objects, from the nearest profile that sets them: a child turning re-entry off
    // (`on: []`) must not inherit the parent's causes.
    if (raw.reconnect !== undefined)
      flat.reconnect = { value: raw.reconnect, src, path: ['reconnect'] };
    if (raw.idle_keepalive !== undefined)
      flat.idleKeepalive = { value: raw.idle_keepalive, src, path: ['idle_keepalive'] };
    (raw.on ?? []).forEach((h, i) => flat.on.push({ value: h, src, path: ['on', i] }));
    (raw.hops ?? []).forEach((h, i) => flat.hops.push({ value: h, src, path: ['hops', i] }));
  }
  return flat;
}
