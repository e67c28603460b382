import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/paths.js';
import { loadFromTexts } from '../helpers/profiles.js';

// The authoring guide is the only documentation an ops engineer needs: its example must be a
// valid profile as written.
describe('the README profile guide', () => {
  it('shows an example that validates as it stands', () => {
    const readme = readFileSync(packagePath('README.md'), 'utf8');
    const guide = readme.slice(readme.indexOf('## Writing profiles'));
    const example = /```yaml\n(# yaml-language-server[\s\S]*?)```/.exec(guide)?.[1];
    expect(example).toBeDefined();
    const { errors, warnings, registry } = loadFromTexts({ 'example.yaml': example ?? '' });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(registry.resolve('master-a', { ip: 'master-b' }).hops.map((h) => h.name)).toEqual([
      'menu',
      'master',
    ]);
  });
});
