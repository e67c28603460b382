import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { GatewalkError } from '../../src/errors.js';
import { checkProfiles } from '../../src/profiles/check.js';
import { resolveProfile } from '../../src/profiles/resolve.js';
import { lintProfile } from '../../src/profiles/lint.js';
import { loadProfileFile } from '../../src/profiles/load-file.js';

/** Runs the whole pipeline on one file's text, as `loadProfiles` does for each file. */
function load(text: string) {
  const file = loadProfileFile('prop.yaml', text);
  const checked = checkProfiles(file.sources);
  const warnings = [...checked.flat.values()].flatMap(lintProfile);
  return {
    diagnostics: [...file.diagnostics, ...checked.diagnostics, ...warnings],
    flat: checked.flat,
  };
}

function wellFormed(result: ReturnType<typeof load>): void {
  for (const d of result.diagnostics) {
    expect(d.file).toBe('prop.yaml');
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.col).toBeGreaterThanOrEqual(1);
    expect(d.message.length).toBeGreaterThan(0);
  }
}

const key = fc.constantFrom(
  'send_text',
  'send_secret',
  'send_keys',
  'wait_for',
  'select',
  'match',
  'then',
  'fail',
  'timeout',
  'name',
  'steps',
  'prompt',
  'shell',
  'exit',
  'on',
  'line',
  'item',
  'send',
  'env',
  'file',
  'command',
  'totp',
  'x',
);
const leaf = fc.oneof(
  fc.string(),
  fc.constantFrom('${a}', '(', '[$#] $', '(a+)+', '15s', 'posix', 'none', 'ctrl-c'),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
// Values shaped like profile pieces, so the generator reaches the deeper checks.
const piece = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3 }),
  ),
})).value;
const profile = fc.record(
  {
    description: fc.string(),
    extends: fc.constantFrom('a', 'b', 'c', 'zz'),
    abstract: fc.boolean(),
    params: fc.dictionary(
      fc.constantFrom('a', 'b', 'p'),
      fc.record(
        { default: leaf, pattern: fc.constantFrom('^\\d+$', '(', 'x') },
        { requiredKeys: [] },
      ),
    ),
    connect: fc.record(
      {
        host: fc.constantFrom('h', '${a}'),
        via: fc.constantFrom('a', 'b', 'q'),
        password: piece,
        port: leaf,
      },
      { requiredKeys: [] },
    ),
    timeout: leaf,
    on: fc.array(fc.dictionary(key, piece, { maxKeys: 3 }), { maxLength: 2 }),
    hops: fc.array(
      fc.record(
        {
          name: fc.constantFrom('h1', 'h2'),
          steps: fc.array(fc.dictionary(key, piece, { maxKeys: 2 }), { maxLength: 3 }),
          prompt: leaf,
          shell: leaf,
        },
        { requiredKeys: [] },
      ),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);

// Profiles that follow the schema, with leaves chosen to hit the checks past it: regexes that do
// not compile, unknown placeholders, extends and via between the generated names, bad defaults.
/** Mostly sound values, sometimes broken ones. */
const mostly = <T>(good: T[], bad: T[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...good), weight: 6 },
    { arbitrary: fc.constantFrom(...bad), weight: 1 },
  );
const regex = mostly(['Target IP: $', '[$#] $', 'x${a}', '\\d+', 'ok'], ['(', '(a+)+$', 'y${zz}']);
const text = mostly(['a', '${a}', '$${a}', ''], ['${b}', '${zz}']);
const duration = mostly<string | number>(['15s', '500ms', '2m', 3], [0, 'soon']);
const step = fc.oneof(
  fc.record({ send_text: text }),
  fc.record({ send_secret: fc.constantFrom({ env: 'X' }, { totp: { env: 'S' } }) }),
  fc.record({ send_keys: fc.constant(['ctrl-c', 'enter']) }),
  fc.record({
    wait_for: fc.oneof(
      regex,
      fc.record({ match: regex, timeout: duration }),
      fc.array(fc.record({ match: regex, fail: fc.constant('no') }), {
        minLength: 1,
        maxLength: 2,
      }),
    ),
  }),
  fc.record({
    select: fc.record({
      line: fc.constant('^(?<key>\\d+) (?<label>.*)$'),
      item: regex,
      send: fc.constantFrom('${key}', '${a}', '${nope}'),
    }),
  }),
);
const hop = fc.record(
  {
    name: fc.constantFrom('h1', 'h2'),
    steps: fc.array(step, { maxLength: 3 }),
    prompt: regex,
    shell: fc.constantFrom('posix', 'none'),
  },
  { requiredKeys: ['name'] },
);
const schemaShaped = fc.record(
  {
    extends: mostly(['a', 'b', 'c'], ['nope']),
    abstract: fc.boolean(),
    params: fc.record({
      a: fc.record(
        { default: mostly(['1', '22'], ['x']), pattern: mostly(['^\\d+$'], ['(']) },
        { requiredKeys: ['default'] },
      ),
    }),
    connect: fc.record(
      {
        host: fc.constantFrom('h', '${a}'),
        via: mostly(['a'], ['b', 'zz']),
        port: mostly<string | number>([22, '${a}'], [0]),
      },
      { requiredKeys: ['host'] },
    ),
    timeout: duration,
    open_timeout: duration,
    on: fc.array(fc.record({ match: regex, send_text: text }), { maxLength: 1 }),
    hops: fc.array(hop, { minLength: 1, maxLength: 3 }),
  },
  { requiredKeys: ['connect', 'hops'] },
);

describe('the profile loader (property-based)', () => {
  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        wellFormed(load(text));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary JSON values written as YAML or JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), fc.boolean(), (value, asJson) => {
        const text = asJson ? JSON.stringify(value) : stringify(value);
        wellFormed(load(text));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on profile-shaped documents, and returns profiles or errors', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('a', 'b', 'c', 'Bad'), fc.oneof(schemaShaped, profile), {
          maxKeys: 3,
        }),
        (profiles) => {
          const result = load(stringify({ version: 1, profiles }));
          wellFormed(result);
          const errors = result.diagnostics.filter((d) => d.severity === 'error');
          // Every profile either made it through or something (here or in a parent) says why.
          for (const name of Object.keys(profiles)) {
            if (!result.flat.has(name)) expect(errors.length).toBeGreaterThan(0);
          }
          // What made it through resolves with its defaults, or says why not.
          for (const flat of result.flat.values()) {
            try {
              resolveProfile(flat);
            } catch (err) {
              expect(err).toBeInstanceOf(GatewalkError);
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
