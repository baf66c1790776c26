// One server, reports of two kernels: each is resolved with the vmlinux of its own release, found under the
// debug root, never with the first one opened. The vmlinux files are gcc-built stand-ins (test/debuginfo/support).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol';
import { type CrashReport, parseCrashReport } from '../../crash/index.js';
import { defaultSettings } from '../../server/config.js';
import { CrashFrameResolver } from '../../server/workspace/frame-resolver.js';
import { SourceFiles } from '../../server/workspace/source-files.js';
import { buildStandInVmlinux, standInOops } from '../debuginfo/support/kernel-stand-in.js';
import { LspClient, ensureBuilt } from './lsp-client.js';

const releases = ['6.1.0-53-cloud-amd64', '6.12.118+deb12-cloud-amd64'];

function oops(release: string): CrashReport {
  return parseCrashReport(standInOops(release), { source: release }).reports[0]!;
}

describe('a server given reports of two releases', () => {
  let dir: string;
  let resolver: CrashFrameResolver;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'two-releases-'));
    // Each stand-in's source is written beside it under a name carrying its release, so DWARF tells them apart.
    for (const release of releases) buildStandInVmlinux(path.join(dir, 'debug', 'boot', `vmlinux-${release}`), release);
    const sources = new SourceFiles([path.join(dir, 'debug')]);
    resolver = new CrashFrameResolver({ settings: { ...defaultSettings(), debugRoot: path.join(dir, 'debug'), sourceRoots: sources.roots.slice() }, indexes: [], sources });
  });
  afterAll(() => resolver?.close());

  it('finds each vmlinux by its release and resolves each report with its own', async () => {
    for (const release of [...releases, ...releases]) {
      const report = oops(release);
      expect(resolver.vmlinuxFor(report)).toBe(path.join(dir, 'debug', 'boot', `vmlinux-${release}`));
      const warnings = await resolver.reportWarnings(report);
      expect(warnings.wrongBinary, release).toEqual([]);
      const frame = report.stacks[0]!.frames.find((f) => f.symbol === 'do_thing')!;
      const resolved = await resolver.resolve(report, frame);
      expect(resolved.provenance, release).toBe('dwarf');
      expect(resolved.warnings, release).toEqual([]);
      expect(resolved.locations[0]?.file, release).toBe(path.join(dir, 'debug', 'boot', `stand-in-vmlinux-${release}.c`));
    }
  });

  it('a report of a third release with a configured vmlinux is resolved, and called a wrong binary', async () => {
    const configured = new CrashFrameResolver({
      settings: { ...defaultSettings(), debugRoot: path.join(dir, 'debug'), vmlinux: path.join(dir, 'debug', 'boot', `vmlinux-${releases[0]}`) },
      indexes: [],
      sources: new SourceFiles([]),
    });
    try {
      const report = oops(releases[1]!);
      const warnings = await configured.reportWarnings(report);
      expect(warnings.wrongBinary.join('\n')).toMatch(/6\.1\.0-53-cloud-amd64/);
    } finally {
      configured.close();
    }
  });
});

describe('over LSP, a wrong binary is a diagnostic on the report\'s header line', () => {
  it('a configured vmlinux of another release: a WRONG BINARY warning on the BUG line', async () => {
    ensureBuilt();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lsp-wrong-binary-'));
    const vmlinux = buildStandInVmlinux(path.join(dir, 'vmlinux-6.1.0-53-cloud-amd64'), '6.1.0-53-cloud-amd64');
    const { client } = await LspClient.start({ configuration: { vmlinux, debugRoot: path.join(dir, 'no-debug') } });
    try {
      const uri = await client.openUri('untitled:oops', 'plaintext', standInOops('6.12.118+deb12-cloud-amd64'));
      const { diagnostics } = await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.message.startsWith('WRONG BINARY')));
      const wrong = diagnostics.filter((d) => d.message.startsWith('WRONG BINARY'));
      expect(new Set(wrong.map((d) => `${d.range.start.line} ${d.severity}`))).toEqual(new Set([`0 ${DiagnosticSeverity.Warning}`]));
      expect(wrong.map((d) => d.message).join('\n')).toMatch(/6\.1\.0-53-cloud-amd64/);
    } finally {
      await client.stop();
    }
  });
});
