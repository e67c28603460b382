import type { FlatProfile, Located } from './flatten.js';
import type { ProfileSource } from './load-file.js';
import type { RawHandler, RawStep } from './types.js';

/** A string field of a profile that may hold ${param} placeholders, and how it is used. */
export interface Field {
  kind: 'text' | 'regex';
  value: string;
  src: ProfileSource;
  path: (string | number)[];
  /** For select's `send`: the named groups of its `line`, which are not parameters. */
  groups?: string[];
  /**
   * Text typed at the remote: into a POSIX shell (`shell`: values are shell-quoted) or into a
   * menu or another program (`other`: values go as they are).
   */
  typedInto?: Typed;
}

/**
 * Where a hop's steps are typed: at the previous hop's prompt, so into its shell; the first
 * hop's steps into what the login starts, taken to be the first hop's own shell.
 */
export type Typed = 'shell' | 'other';

export function stepsTypedInto(hops: { shell?: 'posix' | 'none' }[], index: number): Typed {
  const at = index === 0 ? hops[0] : hops[index - 1];
  return at?.shell === 'posix' ? 'shell' : 'other';
}

type Path = (string | number)[];

function* handlerFields(h: RawHandler, src: ProfileSource, path: Path): Generator<Field> {
  yield { kind: 'regex', value: h.match, src, path: [...path, 'match'] };
  // A handler answers whatever program asked (a password prompt, a pager): never a shell line.
  if (h.send_text !== undefined)
    yield {
      kind: 'text',
      value: h.send_text,
      src,
      path: [...path, 'send_text'],
      typedInto: 'other',
    };
  if (h.fail !== undefined) yield { kind: 'text', value: h.fail, src, path: [...path, 'fail'] };
}

export function namedGroups(regex: string): string[] {
  return [...regex.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1] as string);
}

export function* stepFields(
  steps: RawStep[],
  src: ProfileSource,
  path: Path,
  typedInto: Typed,
): Generator<Field> {
  for (const [i, step] of steps.entries()) {
    const at = [...path, i];
    if ('send_text' in step) {
      const s = step.send_text;
      yield typeof s === 'string'
        ? { kind: 'text', value: s, src, path: [...at, 'send_text'], typedInto }
        : { kind: 'text', value: s.text, src, path: [...at, 'send_text', 'text'], typedInto };
    } else if ('wait_for' in step) {
      const w = step.wait_for;
      if (typeof w === 'string') yield { kind: 'regex', value: w, src, path: [...at, 'wait_for'] };
      else if (Array.isArray(w)) {
        for (const [j, alt] of w.entries()) {
          yield { kind: 'regex', value: alt.match, src, path: [...at, 'wait_for', j, 'match'] };
          if (alt.fail !== undefined) {
            yield { kind: 'text', value: alt.fail, src, path: [...at, 'wait_for', j, 'fail'] };
          }
          yield* stepFields(alt.then ?? [], src, [...at, 'wait_for', j, 'then'], typedInto);
        }
      } else yield { kind: 'regex', value: w.match, src, path: [...at, 'wait_for', 'match'] };
    } else if ('select' in step) {
      const s = step.select;
      yield { kind: 'regex', value: s.line, src, path: [...at, 'select', 'line'] };
      yield { kind: 'regex', value: s.item, src, path: [...at, 'select', 'item'] };
      if (s.page_end !== undefined) {
        yield { kind: 'regex', value: s.page_end, src, path: [...at, 'select', 'page_end'] };
      }
      yield {
        kind: 'text',
        value: s.send,
        src,
        path: [...at, 'select', 'send'],
        groups: namedGroups(s.line),
        // select answers a menu.
        typedInto: 'other',
      };
      if (s.next_page && 'send_text' in s.next_page) {
        yield {
          kind: 'text',
          value: s.next_page.send_text,
          src,
          path: [...at, 'select', 'next_page', 'send_text'],
          typedInto: 'other',
        };
      }
    }
  }
}

/** Every placeholder-bearing string of a flattened profile, with where it was written. */
export function* fieldsOf(flat: FlatProfile): Generator<Field> {
  for (const key of ['host', 'user', 'port'] as const) {
    const f = flat.connect[key] as Located<unknown> | undefined;
    if (f && typeof f.value === 'string')
      yield { kind: 'text', value: f.value, src: f.src, path: f.path };
  }
  const deny = flat.policy.deny;
  if (deny) {
    for (const [i, pattern] of deny.value.entries())
      yield { kind: 'regex', value: pattern, src: deny.src, path: [...deny.path, i] };
  }
  for (const h of flat.on) yield* handlerFields(h.value, h.src, h.path);
  const hops = flat.hops.map((h) => h.value);
  for (const [index, hop] of flat.hops.entries()) {
    const { value, src, path } = hop;
    yield* stepFields(value.steps ?? [], src, [...path, 'steps'], stepsTypedInto(hops, index));
    if (value.prompt !== undefined)
      yield { kind: 'regex', value: value.prompt, src, path: [...path, 'prompt'] };
    // `exit` is typed at the hop's own prompt.
    if (value.exit !== undefined) {
      const typedInto = value.shell === 'posix' ? 'shell' : 'other';
      yield { kind: 'text', value: value.exit, src, path: [...path, 'exit'], typedInto };
    }
    for (const [i, h] of (value.on ?? []).entries())
      yield* handlerFields(h, src, [...path, 'on', i]);
  }
}
