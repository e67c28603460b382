// The default profile folders: ./profiles, then $XDG_CONFIG_HOME/gatewalk/profiles (or
// ~/.config/gatewalk/profiles); messages about missing profiles name the folders tried.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runValidateCommand } from '../../src/cli/profiles-commands.js';
import { defaultProfileDirs, profileDirs } from '../../src/profiles/dirs.js';
import { loadProfiles } from '../../src/profiles/registry.js';
import { packagePath } from '../../src/paths.js';
import { collectingIo } from '../helpers/io.js';

let base: string;
let cwd: string;
let home: string;
let config: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'gatewalk-dirs-'));
  cwd = join(base, 'project');
  home = join(base, 'home');
  config = join(base, 'xdg-config');
  mkdirSync(cwd);
  mkdirSync(home);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

/** A profile folder holding the shipped lab profiles. */
function profilesIn(dir: string): string {
  mkdirSync(dir, { recursive: true });
  copyFileSync(packagePath('profiles', 'lab.yaml'), join(dir, 'lab.yaml'));
  return dir;
}

describe('profileDirs defaults', () => {
  it('lists ./profiles, then $XDG_CONFIG_HOME/gatewalk/profiles, else ~/.config/gatewalk/profiles', () => {
    expect(defaultProfileDirs({ XDG_CONFIG_HOME: config, HOME: home }, cwd)).toEqual([
      join(cwd, 'profiles'),
      join(config, 'gatewalk', 'profiles'),
    ]);
    expect(defaultProfileDirs({ HOME: home }, cwd)).toEqual([
      join(cwd, 'profiles'),
      join(home, '.config', 'gatewalk', 'profiles'),
    ]);
    // An empty XDG_CONFIG_HOME counts as unset (the XDG spec's rule).
    expect(defaultProfileDirs({ XDG_CONFIG_HOME: '', HOME: home }, cwd)[1]).toBe(
      join(home, '.config', 'gatewalk', 'profiles'),
    );
  });

  it('uses ./profiles when it exists, even when the config folder does too', () => {
    profilesIn(join(cwd, 'profiles'));
    profilesIn(join(config, 'gatewalk', 'profiles'));
    expect(profileDirs([], { XDG_CONFIG_HOME: config, HOME: home }, cwd)).toEqual([
      join(cwd, 'profiles'),
    ]);
  });

  it('falls back to the config folder when there is no ./profiles', () => {
    profilesIn(join(config, 'gatewalk', 'profiles'));
    expect(profileDirs([], { XDG_CONFIG_HOME: config, HOME: home }, cwd)).toEqual([
      join(config, 'gatewalk', 'profiles'),
    ]);
    profilesIn(join(home, '.config', 'gatewalk', 'profiles'));
    expect(profileDirs([], { HOME: home }, cwd)).toEqual([
      join(home, '.config', 'gatewalk', 'profiles'),
    ]);
  });

  it('returns every default folder when none exists, so loading names each one', () => {
    const env = { XDG_CONFIG_HOME: config, HOME: home };
    const dirs = profileDirs([], env, cwd);
    expect(dirs).toEqual(defaultProfileDirs(env, cwd));
    const loaded = loadProfiles(dirs);
    expect(loaded.errors.map((e) => `${e.file}: ${e.message}`)).toEqual([
      `${join(cwd, 'profiles')}: no such file or folder`,
      `${join(config, 'gatewalk', 'profiles')}: no such file or folder`,
    ]);
  });

  it('keeps --profiles and GATEWALK_PROFILES ahead of the defaults', () => {
    profilesIn(join(cwd, 'profiles'));
    const env = { XDG_CONFIG_HOME: config, HOME: home, GATEWALK_PROFILES: 'a:/abs/b' };
    expect(profileDirs(['x'], env, cwd)).toEqual([join(cwd, 'x')]);
    expect(profileDirs([], env, cwd)).toEqual([join(cwd, 'a'), '/abs/b']);
  });
});

describe('messages name the folders tried', () => {
  it('gatewalk validate, run where no folder exists, names both default folders', () => {
    const { io, out, err } = collectingIo(cwd);
    io.env = { XDG_CONFIG_HOME: config, HOME: home };
    expect(runValidateCommand([], io)).toBe(1);
    const text = [...out, ...err].join('\n');
    // The folder under the working directory is shown relative to it, as files are.
    expect(text).toMatch(/^profiles:1:1: no such file or folder$/m);
    expect(text).toContain(`${join(config, 'gatewalk', 'profiles')}:1:1: no such file or folder`);
  });

  it('gatewalk validate finds profiles kept in ~/.config/gatewalk/profiles', () => {
    profilesIn(join(home, '.config', 'gatewalk', 'profiles'));
    const { io, out, err } = collectingIo(cwd);
    io.env = { HOME: home };
    expect(runValidateCommand(['--json'], io), err.join('\n')).toBe(0);
    const report = JSON.parse(out.join('')) as { files: string[]; profiles: string[] };
    expect(report.files).toEqual([join(home, '.config', 'gatewalk', 'profiles', 'lab.yaml')]);
    expect(report.profiles).toContain('orders-pod');
  });

  it('an unknown profile with none loaded says where it looked', () => {
    const empty = join(base, 'empty');
    mkdirSync(empty);
    const { registry } = loadProfiles([empty]);
    expect(() => registry.resolve('orders-pod')).toThrow(
      `no profile "orders-pod"; profiles: none loaded (looked in ${empty})`,
    );
  });
});
