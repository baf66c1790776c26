// Links: file:// URLs of files on this machine, or a web template with {version}, {path}, {line}.
import { describe, expect, it } from 'vitest';
import { makeLinker, upstreamVersion } from '../../clients/report/index.js';

describe('makeLinker', () => {
  it('links a local file with a file:// URL and the line as a fragment', () => {
    expect(makeLinker({})({ path: 'mm/slub.c', absPath: '/src/linux/mm/slub.c', line: 3706 })).toBe('file:///src/linux/mm/slub.c#L3706');
  });

  it('gives no link for a file not on this machine unless a template is given', () => {
    expect(makeLinker({})({ path: 'mm/slub.c', line: 1 })).toBeUndefined();
  });

  it('expands an elixir template', () => {
    const link = makeLinker({ template: 'https://elixir.bootlin.com/linux/v{version}/source/{path}#L{line}', version: '6.1.187' });
    expect(link({ path: 'kernel/module/main.c', line: 2478 })).toBe('https://elixir.bootlin.com/linux/v6.1.187/source/kernel/module/main.c#L2478');
  });
});

describe('upstreamVersion', () => {
  it('prefers the Debian version of the build string', () => {
    expect(upstreamVersion('6.1.0-53-cloud-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.187-1')).toBe('6.1.187');
  });
  it('drops a .0 patch level and local suffixes', () => {
    expect(upstreamVersion('6.2.0-rc7+')).toBe('6.2');
    expect(upstreamVersion('5.15.93-gabc')).toBe('5.15.93');
    expect(upstreamVersion(undefined)).toBeUndefined();
  });
});
