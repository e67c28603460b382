import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { packagePath } from '../paths.js';
import { suggestion } from './diagnostics.js';

type Schema = Record<string, unknown>;
const SCHEMA_ID = 'https://gatewalk.dev/schemas/profile.schema.json';

/**
 * The validators, compiled from the schema at build time with ajv standalone (ajv options:
 * allErrors, strict, allowUnionTypes, verbose) by scripts/build-schemas.mjs; compiling at run
 * time cost ~100 ms at every start. `branchKeys[i]` is the key of `branch${i}` (see
 * validateBranch).
 */
interface Validators {
  profile: ValidateFunction;
  branchKeys: string[];
  sourceHash: string;
  [branch: `branch${number}`]: ValidateFunction | undefined;
}

const GENERATED = ['dist', 'schemas', 'profile-validators.cjs'];
let loaded: { defs: Record<string, Schema>; validators: Validators } | undefined;

/** The schema and its validators, loaded at the first check (not at import). */
function load(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  const text = readFileSync(packagePath('schemas', 'profile.schema.json'), 'utf8');
  const file = packagePath(...GENERATED);
  const validators = existsSync(file)
    ? (createRequire(import.meta.url)(file) as Validators)
    : undefined;
  if (validators?.sourceHash !== createHash('sha256').update(text).digest('hex')) {
    throw new Error(
      `the precompiled profile schema validators (${GENERATED.join('/')}) are ` +
        `${validators ? 'out of date' : 'missing'}: run \`npm run build\``,
    );
  }
  loaded = { defs: (JSON.parse(text) as Schema).$defs as Record<string, Schema>, validators };
  return loaded;
}

/** A schema violation in words a profile author understands, at a pointer into the file. */
export interface SchemaProblem {
  pointer: string;
  /** Point at the key rather than the value (unknown keys). */
  atKey: boolean;
  message: string;
}

/** Validates a whole profile file's data against the JSON Schema. */
export function checkAgainstSchema(data: unknown): SchemaProblem[] {
  const validate = load().validators.profile;
  if (validate(data)) return [];
  return explain(validate.errors ?? [], data, '');
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function deref(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/$defs/')) {
    const target = load().defs[ref.slice('#/$defs/'.length)];
    if (target) return { ...deref(target), ...schema, $ref: undefined };
  }
  return schema;
}

function acceptsType(schema: Schema, type: string): boolean {
  const s = deref(schema);
  const types = Array.isArray(s.type) ? (s.type as string[]) : s.type ? [s.type as string] : [];
  if (types.length === 0) return true;
  return types.includes(type) || (type === 'integer' && types.includes('number'));
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

function describeBranches(branches: Schema[]): string {
  const words = branches.map((b) => {
    const s = deref(b);
    const types = Array.isArray(s.type) ? (s.type as string[]) : [String(s.type)];
    return types.map((t) => TYPE_WORDS[t] ?? t).join(' or ');
  });
  return [...new Set(words)].join(', or ');
}

function valueAt(data: unknown, pointer: string): unknown {
  let node = data;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

/** Validates `value` against one branch of a oneOf, with $defs references kept working. */
function validateBranch(branch: Schema, value: unknown): ErrorObject[] {
  const text = JSON.stringify(branch).replaceAll('"#/$defs/', `"${SCHEMA_ID}#/$defs/`);
  const { validators } = load();
  const validate = validators[`branch${validators.branchKeys.indexOf(text)}`];
  if (!validate) throw new Error(`no precompiled validator for the schema branch ${text}`);
  return validate(value) ? [] : (validate.errors ?? []);
}

const DURATION_PATTERN = '^\\d+(\\.\\d+)?(ms|s|m)$';
// The validators carry their own copy of the schema: compared by content, not identity.
// A secret (connect, handlers) and a step's secret (which may also be `ask`) read alike.
let secretTexts: string[] | undefined;
const isSecretSchema = (s: unknown) =>
  (secretTexts ??= [load().defs.secret, load().defs.stepSecret].map((d) =>
    JSON.stringify(d),
  )).includes(JSON.stringify(s));

/**
 * Turns ajv's errors into one message per real problem. A `oneOf` produces an error per branch;
 * the branch whose type fits the value is the one the author meant, so only its errors count.
 */
function explain(errors: ErrorObject[], data: unknown, prefix: string): SchemaProblem[] {
  const choicePaths = errors
    .filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf')
    .map((e) => e.instancePath);
  const outer = [...new Set(choicePaths)].filter(
    (p) => !choicePaths.some((q) => p.startsWith(`${q}/`)),
  );
  const under = (path: string) => outer.some((p) => path === p || path.startsWith(`${p}/`));
  const problems: SchemaProblem[] = [];
  const handled = new Set<string>();
  for (const e of errors) {
    const pointer = prefix + e.instancePath;
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf') {
      if (!outer.includes(e.instancePath) || handled.has(e.instancePath)) continue;
      handled.add(e.instancePath);
      const value = valueAt(data, e.instancePath);
      const branches = e.schema as Schema[];
      const fitting = branches.filter((b) => acceptsType(b, typeOf(value)));
      if (fitting.length === 1) {
        const sub = validateBranch(fitting[0] as Schema, value);
        problems.push(...explain(sub, value, pointer));
      } else {
        problems.push({ pointer, atKey: false, message: `must be ${describeBranches(branches)}` });
      }
      continue;
    }
    if (under(e.instancePath)) continue;
    problems.push(...describe(e, pointer));
  }
  return problems;
}

function describe(e: ErrorObject, pointer: string): SchemaProblem[] {
  const parent = (e.parentSchema ?? {}) as Schema;
  const keys = Object.keys((parent.properties as Schema | undefined) ?? {});
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      return [
        {
          pointer: `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
          atKey: true,
          message: `unknown key "${key}"${suggestion(key, keys)}; expected one of: ${keys.join(', ')}`,
        },
      ];
    }
    case 'required':
      return [{ pointer, atKey: false, message: `missing "${String(params.missingProperty)}"` }];
    case 'minProperties':
    case 'maxProperties': {
      const present = Object.keys((e.data as Schema | undefined) ?? {}).filter((k) =>
        keys.includes(k),
      );
      const what = isSecretSchema(parent)
        ? 'a secret'
        : keys.includes('send_text') && keys.includes('select')
          ? 'a step'
          : 'this';
      if (keys.includes('match')) {
        return [
          {
            pointer,
            atKey: false,
            message: `a handler needs "match" and one of: send_text, send_secret, fail`,
          },
        ];
      }
      return [
        {
          pointer,
          atKey: false,
          message:
            present.length === 0
              ? `${what} needs one of: ${keys.join(', ')}`
              : `${what} takes exactly one of: ${keys.join(', ')} (found: ${present.join(', ')})`,
        },
      ];
    }
    case 'type':
      if (isSecretSchema(parent)) {
        // Never echo the value: it may be the very secret written in plain text.
        return [
          {
            pointer,
            atKey: false,
            message:
              'a secret is a reference, not the value itself: write { env: NAME }, { file: path }, ' +
              '{ command: "..." } or { totp: { env: SEED } }',
          },
        ];
      }
      return [
        {
          pointer,
          atKey: false,
          message: `must be ${TYPE_WORDS[String(params.type)] ?? String(params.type)}`,
        },
      ];
    case 'enum':
      return [
        {
          pointer,
          atKey: false,
          message: `must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`,
        },
      ];
    case 'const':
      return [{ pointer, atKey: false, message: `must be ${JSON.stringify(params.allowedValue)}` }];
    case 'pattern':
      if (e.propertyName !== undefined) {
        const key = e.propertyName.replace(/~/g, '~0').replace(/\//g, '~1');
        return [
          {
            pointer: `${pointer}/${key}`,
            atKey: true,
            message: `invalid name "${e.propertyName}": must match ${String(params.pattern)}`,
          },
        ];
      }
      if (String(params.pattern).startsWith('^\\$\\{')) {
        return [
          {
            pointer,
            atKey: false,
            message: 'must be a port number from 1 to 65535, or a ${param}',
          },
        ];
      }
      if (String(params.pattern) === DURATION_PATTERN) {
        return [
          {
            pointer,
            atKey: false,
            message: 'must be a duration: "500ms", "15s", "2m", or a number of seconds',
          },
        ];
      }
      return [{ pointer, atKey: false, message: `must match ${String(params.pattern)}` }];
    case 'propertyNames':
      return [];
    case 'minimum':
    case 'maximum':
    case 'minItems':
    case 'maxItems': {
      const limit = String(params.limit);
      const word = e.keyword.startsWith('min') ? 'at least' : 'at most';
      const what = e.keyword.endsWith('Items') ? ` item${limit === '1' ? '' : 's'}` : '';
      return [{ pointer, atKey: false, message: `must be ${word} ${limit}${what}` }];
    }
    default:
      return [{ pointer, atKey: false, message: e.message ?? 'is invalid' }];
  }
}
