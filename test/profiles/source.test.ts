// The server's profile source loads at its first use (a server answers its client first), and
// logs that first load's errors and warnings; commands that show errors only skip the lint.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadProfiles } from '../../src/profiles/registry.js';
import { ProfileSource } from '../../src/profiles/watch.js';

const DIR = join('test', 'fixtures', 'broken');

it('loads at the first use, once, and logs every error and warning of that load', async () => {
  const lines: string[] = [];
  const source = new ProfileSource([join(DIR, 'warnings.yaml'), join(DIR, 'names.yaml')], (l) =>
    lines.push(l),
  );
  expect(lines).toEqual([]);
  const [a, b] = await Promise.all([source.registry(), source.registry()]);
  expect(a).toBe(b);
  expect(a.openable()).toEqual(['slow', 'twice']);
  expect(lines.filter((l) => l.includes(': warning: ')).length).toBe(4);
  expect(lines.filter((l) => l.includes('invalid name "Bad Name"'))).toHaveLength(1);
  const logged = lines.length;
  await source.load();
  expect(lines.length).toBe(logged);
});

it('reloads to a good edit; a load without lint has the same errors and no warnings', async () => {
  const paths = [join(DIR, 'warnings.yaml'), join(DIR, 'names.yaml')];
  const full = loadProfiles(paths);
  const errorsOnly = loadProfiles(paths, { lint: false });
  expect(full.warnings.length).toBeGreaterThan(0);
  expect(errorsOnly.warnings).toEqual([]);
  expect(errorsOnly.errors).toEqual(full.errors);
  expect(errorsOnly.registry.openable()).toEqual(full.registry.openable());

  const lines: string[] = [];
  const source = new ProfileSource([join(DIR, 'warnings.yaml')], (l) => lines.push(l));
  // A change seen before the first load: that load reads the files as they are.
  expect(await source.reload()).toBe(true);
  expect(await source.reload()).toBe(true);
  expect((await source.registry()).openable()).toEqual(['slow', 'twice']);
  expect(lines.at(-1)).toBe('profiles reloaded: slow, twice');
});
