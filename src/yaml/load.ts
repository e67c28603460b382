import { readFileSync } from 'node:fs';
import {
  LineCounter,
  isMap,
  isNode,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Document,
} from 'yaml';
import { GatewalkError } from '../errors.js';

/** A parsed YAML file that can still say where each value came from. */
export interface LocatedYaml {
  file: string;
  data: unknown;
  doc: Document.Parsed;
  lines: LineCounter;
}

export interface Position {
  line: number;
  col: number;
}

export interface YamlProblem extends Position {
  message: string;
}

/**
 * Parses YAML text without throwing: either the document, or every syntax problem with its
 * position (`yaml` reports them all, not only the first).
 */
export function parseYamlText(
  text: string,
  file: string,
): { yaml: LocatedYaml; problems: [] } | { yaml: null; problems: YamlProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      yaml: null,
      problems: doc.errors.map((e) => ({
        ...lines.linePos(e.pos[0]),
        message:
          e.code === 'MULTIPLE_DOCS'
            ? 'one YAML document per file: remove the second "---" (or split the file)'
            : (e.message.split('\n')[0] ?? e.message),
      })),
    };
  }
  try {
    return { yaml: { file, data: doc.toJS({ maxAliasCount: 100 }), doc, lines }, problems: [] };
  } catch (err) {
    // Unresolved aliases and alias bombs: report them at the first alias.
    let at: Position = { line: 1, col: 1 };
    visit(doc, {
      Alias(_, node) {
        if (node.range) at = lines.linePos(node.range[0]);
        return visit.BREAK;
      },
    });
    const reason = err instanceof Error ? err.message : String(err);
    return { yaml: null, problems: [{ ...at, message: `cannot resolve YAML aliases: ${reason}` }] };
  }
}

/** Parses YAML text; a syntax error becomes a GatewalkError pointing at file:line:col. */
export function parseYaml(text: string, file: string): LocatedYaml {
  const parsed = parseYamlText(text, file);
  const first = parsed.problems[0];
  if (!parsed.yaml || first) {
    const at = first ?? { line: 1, col: 1, message: 'cannot parse' };
    throw new GatewalkError('yaml_syntax', `${file}:${at.line}:${at.col}: ${at.message}`);
  }
  return parsed.yaml;
}

export function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(cause);
    throw new GatewalkError('file_unreadable', `${file}: ${reason}`, { cause });
  }
}

export function loadYamlFile(file: string): LocatedYaml {
  return parseYaml(readTextFile(file), file);
}

/** A JSON pointer (as ajv reports `instancePath`) as path segments. */
export function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** The node at `path`, comparing map keys as strings (a key written `123` or `0x10` too). */
function nodeAt(yaml: LocatedYaml, path: (string | number)[]): unknown {
  let node: unknown = yaml.doc.contents;
  for (const segment of path) {
    if (isMap(node)) {
      node = node.items.find(
        (p) => isScalar(p.key) && String(p.key.value) === String(segment),
      )?.value;
    } else if (isSeq(node)) {
      node = node.items[Number(segment)];
    } else {
      return undefined;
    }
  }
  return node;
}

/**
 * Where the value at `path` starts, or with `key: true` where its key starts (for an unknown
 * or duplicate key). A path that does not exist is reported at its closest existing parent.
 */
export function positionOf(
  yaml: LocatedYaml,
  path: (string | number)[],
  options: { key?: boolean } = {},
): Position {
  if (options.key && path.length > 0) {
    const parent = nodeAt(yaml, path.slice(0, -1));
    if (isMap(parent)) {
      const last = String(path[path.length - 1]);
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === last);
      if (pair && isNode(pair.key) && pair.key.range) return yaml.lines.linePos(pair.key.range[0]);
    }
  }
  for (let n = path.length; n >= 0; n--) {
    const node = nodeAt(yaml, path.slice(0, n));
    if (isNode(node) && node.range) return yaml.lines.linePos(node.range[0]);
  }
  return { line: 1, col: 1 };
}

/** `file:line:col` of the value at a JSON pointer, or of its closest existing parent. */
export function locate(yaml: LocatedYaml, pointer: string): string {
  const at = positionOf(yaml, pointerToPath(pointer));
  return `${yaml.file}:${at.line}:${at.col}`;
}
