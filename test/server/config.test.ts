// Settings: exactly the keys, layered (initializationOptions, then workspace/configuration), and a key
// with an invalid value keeps its previous one while the others apply.
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { applySettings, defaultSettings, settingKeys } from '../../server/config.js';

describe('settings', () => {
  it('has exactly the keys clients depend on, with their defaults', () => {
    expect([...settingKeys].sort()).toEqual(['arch', 'database', 'debugRoot', 'moduleDirs', 'sourceRoots', 'substitutePaths', 'vmlinux']);
    expect(defaultSettings()).toEqual({ sourceRoots: [], moduleDirs: [], debugRoot: '/usr/lib/debug', substitutePaths: [] });
  });

  it('applies valid values, resolving paths against the workspace and ~', () => {
    const { settings, problems } = applySettings(
      defaultSettings(),
      { sourceRoots: ['linux', '~/src/mod'], vmlinux: '/boot/vmlinux', arch: 'arm64', substitutePaths: [{ from: '/build', to: '/src' }] },
      '/work/ws',
    );
    expect(problems).toEqual([]);
    expect(settings.sourceRoots).toEqual(['/work/ws/linux', `${os.homedir()}/src/mod`]);
    expect(settings.vmlinux).toBe('/boot/vmlinux');
    expect(settings.arch).toBe('arm64');
    expect(settings.substitutePaths).toEqual([{ from: '/build', to: '/src' }]);
  });

  it('keeps the previous value of an invalid key and names the problem', () => {
    const before = applySettings(defaultSettings(), { vmlinux: '/boot/vmlinux', moduleDirs: ['/m'] }, '/').settings;
    const { settings, problems } = applySettings(before, { vmlinux: 42, moduleDirs: '/not-a-list', arch: 'x86', colour: 'blue' }, '/');
    expect(settings.vmlinux).toBe('/boot/vmlinux');
    expect(settings.moduleDirs).toEqual(['/m']);
    expect(settings.arch).toBe('x86');
    expect(problems).toEqual([
      'crashnav.vmlinux: expected a path string, got 42 (keeping the previous value)',
      'crashnav.moduleDirs: expected an array of path strings, got "/not-a-list" (keeping the previous value)',
      'crashnav.colour: unknown setting (ignored)',
    ]);
  });

  it('treats null, absent keys and an empty Lua table as "no change"', () => {
    const before = applySettings(defaultSettings(), { debugRoot: '/dbg' }, '/').settings;
    expect(applySettings(before, { debugRoot: null }, '/').settings.debugRoot).toBe('/dbg');
    expect(applySettings(before, [], '/')).toEqual({ settings: before, problems: [] });
    expect(applySettings(before, 'x', '/').problems).toEqual(['crashnav: settings must be an object, got "x"']);
  });
});
