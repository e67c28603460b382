// Profile types: the raw shapes as written in YAML (already checked by the JSON Schema), and the
// resolved, frozen profile the navigator walks.

/** A secret by reference; file paths are absolute once loaded. */
export type SecretRef =
  { env: string } | { file: string } | { command: string } | { totp: SecretRef } | AskRef;

/**
 * Asked from a person when the walk reaches the step (send_secret steps only, by the schema):
 * true, what to ask for, or both that and how long to wait for the person (default 5 min).
 */
export interface AskRef {
  ask: true | string | { label?: string; timeout?: RawDuration };
}

export type ParamValue = string | number | boolean;

export interface RawParam {
  description?: string;
  default?: ParamValue;
  pattern?: string;
  enum?: ParamValue[];
  /** Typed into a POSIX shell as it is, not shell-quoted (the profile author's opt-out). */
  raw?: boolean;
}

export type RawDuration = string | number;

export interface RawHandler {
  match: string;
  send_text?: string;
  send_secret?: SecretRef;
  fail?: string;
}

export interface RawAlternative {
  match: string;
  then?: RawStep[];
  fail?: string;
  timeout?: RawDuration;
}

export type RawStep =
  | { send_text: string | { text: string; enter?: boolean } }
  | { send_secret: SecretRef }
  | { send_keys: string[] }
  | { wait_for: string | { match: string; timeout?: RawDuration } | RawAlternative[] }
  | {
      select: {
        line: string;
        item: string;
        send: string;
        next_page?: { send_text: string } | { send_keys: string[] };
        max_pages?: number;
        page_end?: string;
        timeout?: RawDuration;
      };
    };

export interface RawHop {
  name: string;
  steps?: RawStep[];
  prompt?: string;
  shell?: 'posix' | 'none';
  exit?: string;
  on?: RawHandler[];
}

export interface RawConnect {
  host?: string;
  port?: number | string;
  user?: string;
  password?: SecretRef;
  private_key?: SecretRef;
  passphrase?: SecretRef;
  agent?: boolean;
  host_key?: { known_hosts: string } | { fingerprint: string } | { accept_new: string };
  via?: string;
  keepalive?: RawDuration;
  timeout?: RawDuration;
}

export interface RawPolicy {
  read_only?: boolean;
  deny?: string[];
}

/** What a lost session re-enters after on its own: a dropped connection, a gateway's logout. */
export type ReentryCause = 'drop' | 'logout';

export interface RawReconnect {
  on: ReentryCause[];
  /** Re-entries in a row without a command completing in between (default 2). */
  max?: number;
}

export interface RawIdleKeepalive {
  /** Typed with Enter at the last hop when the session has been idle for `every`. */
  send_text: string;
  every: RawDuration;
}

export interface RawProfile {
  description?: string;
  abstract?: boolean;
  extends?: string;
  params?: Record<string, RawParam>;
  connect?: RawConnect;
  terminal?: { term?: string; cols?: number; rows?: number };
  timeout?: RawDuration;
  open_timeout?: RawDuration;
  policy?: RawPolicy;
  reconnect?: RawReconnect;
  idle_keepalive?: RawIdleKeepalive;
  on?: RawHandler[];
  hops?: RawHop[];
}

/** Where a node came from, for errors raised after loading (a walk that fails at a step). */
export interface SourceRef {
  file: string;
  line: number;
  col: number;
}

export type KeyName =
  | 'ctrl-c'
  | 'ctrl-d'
  | 'ctrl-z'
  | 'ctrl-\\'
  | 'enter'
  | 'esc'
  | 'tab'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'space'
  | 'backspace'
  | 'home'
  | 'end'
  | 'pageup'
  | 'pagedown';

export type HandlerAction =
  | { kind: 'send_text'; text: string }
  | { kind: 'send_secret'; secret: SecretRef }
  | { kind: 'fail'; message: string };

export interface Handler {
  /** Regex source, parameters inserted (escaped). */
  match: string;
  action: HandlerAction;
  source: SourceRef;
}

export interface Alternative {
  match: string;
  then: Step[];
  fail?: string;
  timeoutMs: number;
}

export type Step =
  | { kind: 'send_text'; text: string; enter: boolean; source: SourceRef }
  | { kind: 'send_secret'; secret: SecretRef; enter: boolean; source: SourceRef }
  | { kind: 'send_keys'; keys: KeyName[]; source: SourceRef }
  | { kind: 'wait_for'; alternatives: Alternative[]; timeoutMs: number; source: SourceRef }
  | {
      kind: 'select';
      line: string;
      item: string;
      /** Text with ${group} placeholders for the named groups of `line`; parameters inserted. */
      send: string;
      nextPage: { kind: 'send_text'; text: string } | { kind: 'send_keys'; keys: string[] } | null;
      maxPages: number;
      /** Regex for the last line of a fully drawn page. */
      pageEnd: string;
      timeoutMs: number;
      source: SourceRef;
    };

export interface Hop {
  name: string;
  steps: Step[];
  prompt: string | null;
  shell: 'posix' | 'none';
  exit: string | null;
  on: Handler[];
  /** The profile that declared this hop (hops are shared along `extends`). */
  declaredBy: string;
  source: SourceRef;
}

export type HostKeyPolicy =
  | { kind: 'known_hosts'; path: string }
  | { kind: 'fingerprint'; fingerprint: string }
  | { kind: 'accept_new'; path: string }
  | { kind: 'default' };

export interface Connect {
  host: string;
  port: number | null;
  user: string | null;
  password: SecretRef | null;
  privateKey: SecretRef | null;
  passphrase: SecretRef | null;
  agent: boolean;
  hostKey: HostKeyPolicy;
  via: string | null;
  keepaliveMs: number | null;
  timeoutMs: number | null;
}

export interface ParamSpec {
  description?: string;
  default?: string;
  pattern?: string;
  enum?: string[];
}

/** A profile with extends, parameters and paths resolved. Frozen. Secrets stay references. */
export interface ResolvedProfile {
  name: string;
  description: string;
  source: SourceRef;
  /** The profiles it extends, nearest first. */
  ancestors: string[];
  params: Record<string, ParamSpec>;
  values: Record<string, string>;
  connect: Connect;
  terminal: { term: string; cols: number; rows: number };
  timeoutMs: number;
  openTimeoutMs: number;
  /**
   * What commands at the last hop may do: `readOnly` refuses writes, `deny` holds regex sources
   * (parameters inserted, escaped) that refuse any command they match.
   */
  policy: { readOnly: boolean; deny: string[] };
  /** Re-enter on its own after these causes (absent: as the server says, by default never; `on: []`: never). */
  reconnect?: { on: ReentryCause[]; max: number };
  /** Type this at the last hop after `everyMs` without a call (absent: never type to keep alive). */
  idleKeepalive?: { text: string; everyMs: number };
  on: Handler[];
  hops: Hop[];
}
