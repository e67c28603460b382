import { readFileSync } from 'node:fs';
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import { GatewalkError } from '../errors.js';

/** A parsed YAML file that can still say where each value came from. */
export interface LocatedYaml {
  file: string;
  data: unknown;
  doc: Document.Parsed;
  lines: LineCounter;
}

/** Parses YAML text; a syntax error becomes a GatewalkError pointing at file:line:col. */
export function parseYaml(text: string, file: string): LocatedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const at = lines.linePos(first.pos[0]);
    const reason = first.message.split('\n')[0] ?? first.message;
    throw new GatewalkError('yaml_syntax', `${file}:${at.line}:${at.col}: ${reason}`);
  }
  return { file, data: doc.toJS({ maxAliasCount: 100 }), doc, lines };
}

export function loadYamlFile(file: string): LocatedYaml {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const reason =
      (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(cause);
    throw new GatewalkError('file_unreadable', `${file}: ${reason}`, { cause });
  }
  return parseYaml(text, file);
}

/**
 * `file:line:col` of the value at a JSON pointer (as ajv reports `instancePath`), or of the
 * closest enclosing value that exists (a missing key is reported at its parent).
 */
export function locate(yaml: LocatedYaml, pointer: string): string {
  const path = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = n === 0 ? yaml.doc.contents : yaml.doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      const at = yaml.lines.linePos(node.range[0]);
      return `${yaml.file}:${at.line}:${at.col}`;
    }
  }
  return `${yaml.file}:1:1`;
}
