// The draft as YAML: `version: 1`, `profiles: { NAME: ... }`, with comments saying what each
// step answers, regexes single-quoted (as the README asks), short steps on one line.
import { Document, isMap, isPair, isScalar, isSeq, visit, type Node } from 'yaml';
import type { RawProfile } from '../profiles/types.js';

/** A comment on the node at `path` under the profile: before it, or after it on its line. */
export interface NodeComment {
  path: (string | number)[];
  before?: string;
  after?: string;
}

export interface DraftModel {
  name: string;
  /** Lines of the header comment. */
  header: string[];
  profile: RawProfile;
  comments: NodeComment[];
}

/** Keys whose values are regexes: written single-quoted so `\` needs no doubling. */
const REGEX_KEYS = new Set(['prompt', 'wait_for', 'match', 'line', 'item', 'page_end', 'pattern']);
/** Steps short enough for one line. */
const FLOW_STEPS = new Set(['send_text', 'send_secret', 'send_keys', 'wait_for']);

/** Replaces every occurrence of the slot ids in strings (names given at the end). */
export function substitute<T>(value: T, names: Record<string, string>): T {
  const ids = Object.keys(names).sort((a, b) => b.length - a.length);
  const swap = (s: string) => ids.reduce((acc, id) => acc.split(id).join(names[id] as string), s);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return swap(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}

const asComment = (text: string) =>
  text
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');

function quoteRegexes(doc: Document): void {
  visit(doc, {
    Pair(_, pair) {
      if (!isPair(pair) || !isScalar(pair.key)) return;
      const key = String(pair.key.value);
      const mark = (n: unknown) => {
        if (isScalar(n) && typeof n.value === 'string') n.type = 'QUOTE_SINGLE';
      };
      if (REGEX_KEYS.has(key)) {
        mark(pair.value);
        if (isMap(pair.value)) mark(pair.value.get('match', true));
      }
    },
  });
}

function flowShortSteps(doc: Document): void {
  visit(doc, {
    Pair(_, pair) {
      if (!isPair(pair) || !isScalar(pair.key)) return;
      const name = String(pair.key.value);
      if (
        (name === 'next_page' || name === 'send') &&
        (isMap(pair.value) || isScalar(pair.value))
      ) {
        if (isMap(pair.value)) pair.value.flow = true;
        else if (typeof pair.value.value === 'string') pair.value.type = 'QUOTE_SINGLE';
        return;
      }
      if ((name !== 'steps' && name !== 'then') || !isSeq(pair.value)) return;
      for (const item of pair.value.items) {
        if (!isMap(item) || item.items.length !== 1) continue;
        const only = item.items[0];
        const key = isPair(only) && isScalar(only.key) ? String(only.key.value) : '';
        const v = isPair(only) ? only.value : null;
        // A wait_for with alternatives is long: kept in block style.
        if (FLOW_STEPS.has(key) && !(key === 'wait_for' && isSeq(v))) item.flow = true;
      }
    },
  });
}

/** The draft as a YAML document with its comments. */
export function draftDocument(model: DraftModel): Document {
  const doc = new Document({ version: 1, profiles: { [model.name]: model.profile } });
  doc.commentBefore = model.header.map((l) => (l === '' ? '' : ` ${l}`)).join('\n');
  quoteRegexes(doc);
  flowShortSteps(doc);
  for (const c of model.comments) {
    const node = doc.getIn(['profiles', model.name, ...c.path], true) as Node | undefined;
    if (!node) continue;
    if (c.before) node.commentBefore = asComment(c.before);
    if (c.after) node.comment = ` ${c.after.replaceAll('\n', ' ')}`;
  }
  return doc;
}

export function draftText(model: DraftModel): string {
  return draftDocument(model).toString({ lineWidth: 0 });
}
