// The VS Code extension's manifest against the server it starts: the settings it contributes are the server's
// keys, the kernel-crash language covers the file names, and the disassemble command is the server's.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingKeys } from '../../server/config.js';
import { disassembleCommand, settingsSection } from '../../server/protocol.js';

const root = path.resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'clients/vscode/package.json'), 'utf8')) as {
  main: string;
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: boolean | 'limited'; restrictedConfigurations: string[] } };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  contributes: {
    languages: { id: string; extensions: string[]; filenames: string[]; filenamePatterns: string[] }[];
    grammars: { language: string; scopeName: string; path: string }[];
    commands: { command: string }[];
    configuration: { properties: Record<string, unknown> };
  };
};

describe('clients/vscode/package.json', () => {
  it('contributes exactly the server settings (plus how to start it and tracing)', () => {
    const keys = Object.keys(manifest.contributes.configuration.properties);
    const serverKeys = keys.filter((k) => !k.startsWith(`${settingsSection}.server.`) && !k.startsWith(`${settingsSection}.trace.`));
    expect(serverKeys.map((k) => k.slice(settingsSection.length + 1)).sort()).toEqual([...settingKeys].sort());
  });

  // Opening any C project must not start the server: C files count only inside a kernel tree.
  it('activates on crash reports, logs and plain text, and on kernel trees, never on every C file', () => {
    const events = manifest.activationEvents;
    expect(events).toEqual(expect.arrayContaining(['onLanguage:kernel-crash', 'onLanguage:log', 'onLanguage:plaintext', 'workspaceContains:MAINTAINERS']));
    expect(events.some((e) => /^workspaceContains:arch\/\*\/Kbuild$/.test(e))).toBe(true);
    expect(events).not.toContain('onLanguage:c');
    expect(events).not.toContain('*');
    expect(events.filter((e) => e.startsWith('workspaceContains:')).every((e) => !e.includes('**'))).toBe(true);
  });

  it('lets an untrusted workspace run no server command of its own', () => {
    expect(manifest.capabilities.untrustedWorkspaces.supported).toBe('limited');
    expect(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations).toContain(`${settingsSection}.server.command`);
    expect(Object.keys(manifest.contributes.configuration.properties)).toContain(`${settingsSection}.server.command`);
  });

  it('gives *.oops, *.crash, vmcore-dmesg.txt and dmesg*.txt the kernel-crash language and grammar', () => {
    const [language] = manifest.contributes.languages;
    expect(language).toMatchObject({ id: 'kernel-crash', extensions: ['.oops', '.crash'], filenames: ['vmcore-dmesg.txt'], filenamePatterns: ['dmesg*.txt'] });
    const [grammar] = manifest.contributes.grammars;
    expect(grammar).toMatchObject({ language: 'kernel-crash', scopeName: 'source.kernel-crash' });
    expect(JSON.parse(readFileSync(path.join(root, 'clients/vscode', grammar!.path), 'utf8')).scopeName).toBe('source.kernel-crash');
  });

  it('offers the server disassemble command and packages a .vsix with vsce 3 on vscode-languageclient', () => {
    expect(manifest.contributes.commands.map((c) => c.command)).toContain(disassembleCommand);
    expect(manifest.scripts['package']).toMatch(/^vsce package /);
    expect(manifest.devDependencies['@vscode/vsce']).toMatch(/^\^3\./);
    expect(Object.keys(manifest.dependencies)).toEqual(['vscode-languageclient']);
  });
});

const extensionDir = path.join(root, 'clients/vscode');
const haveExtensionDeps = existsSync(path.join(extensionDir, 'node_modules/@vscode/vsce'));
if (!haveExtensionDeps) console.warn('vscode-manifest: clients/vscode has no node_modules (npm ci there); the .vsix packaging check skips');

describe.skipIf(!haveExtensionDeps)('the .vsix', () => {
  it('packages with npm run package: the bundled extension, grammar and manifest', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'crashnav-vsix-'));
    try {
      const vsix = path.join(out, 'crashnav.vsix');
      execFileSync('npx', ['vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--out', vsix], { cwd: extensionDir, stdio: 'pipe' });
      const listing = execFileSync('unzip', ['-l', vsix], { encoding: 'utf8' });
      for (const entry of ['extension/package.json', 'extension/out/extension.js', 'extension/syntaxes/kernel-crash.tmLanguage.json']) {
        expect(listing).toContain(entry);
      }
      expect(listing).not.toContain('extension/src/');
      expect(listing).not.toContain('node_modules');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
