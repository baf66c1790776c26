// The `crashnav` dispatcher: help lists the subcommands found on disk, unknown commands fail with usage.
import { describe, expect, it } from 'vitest';
import { main } from '../clients/cli/main.js';
import { captureIo } from './support/capture-io.js';

describe('crashnav', () => {
  it('--help lists the subcommands with their summaries', async () => {
    const t = captureIo();
    expect(await main(['--help'], t.io)).toBe(0);
    expect(t.out()).toMatch(/^usage: crashnav <command>/);
    expect(t.out()).toMatch(/\n {2}demo {2,}\S/);
  });

  it('an unknown command exits 2 and names it', async () => {
    const t = captureIo();
    expect(await main(['frobnicate'], t.io)).toBe(2);
    expect(t.err()).toContain("unknown command 'frobnicate'");
  });

  it('an unknown option is bad usage: exit 2 with the command\'s usage, for every command', async () => {
    for (const name of ['addr2line', 'explain', 'query', 'report']) {
      const t = captureIo();
      expect(await main([name, '--no-such-option'], t.io)).toBe(2);
      expect(t.err()).toContain(`crashnav ${name}: Unknown option '--no-such-option'`);
      expect(t.err()).toContain(`usage: crashnav ${name}`);
    }
  });

  it('a command name that is not a plain word is unknown, not a path', async () => {
    const t = captureIo();
    expect(await main(['../main'], t.io)).toBe(2);
  });
});
