// Source text is read only where the user pointed (source root, substitution targets, module
// directories, the directory of each binary used, allowPaths), and a module built in another
// directory finds its sources beside its binary or under a module directory by longest existing
// suffix; each answer says which rule found it. Binaries built by gcc in temp dirs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DebugFile, SourceReader, Symbolizer, renderFileDisassembly } from '../../debuginfo/index.js';
import { hasTool } from './support/fixtures.js';

const haveGcc = hasTool('gcc');
if (!haveGcc) console.log('debuginfo source access: skipped, needs gcc');

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'crashnav-src-'));

/** Compiles `source` (written as `name` in `dir`) with -g into an object beside it; returns the object's path. */
function compile(dir: string, name: string, source: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, name), source);
  const out = path.join(dir, name.replace(/\.c$/, '.o'));
  execFileSync('gcc', ['-g', '-O1', '-c', '-o', out, path.join(dir, name)], { cwd: dir, stdio: 'pipe' });
  return out;
}

/** The DWARF file names of every code byte of a function. */
function filesOf(binary: string, fn: string): string[] {
  const s = new Symbolizer(DebugFile.open(binary));
  const sym = s.lookup(fn)[0]!;
  const files = new Set<string>();
  for (let i = 0; i < sym.size; i++) for (const f of s.symbolize(sym.address + BigInt(i), { linkTime: true }).frames) if (f.file) files.add(f.file);
  return [...files];
}

describe.skipIf(!haveGcc)('a binary that names /etc/passwd', () => {
  const dir = tempDir();
  const obj = compile(dir, 'evil.c', '#line 1 "/etc/passwd"\nint evil(int x)\n{\n\treturn x * 3 + 1;\n}\n');

  it('the name is shown, the file never read', async () => {
    expect(filesOf(obj, 'evil')).toEqual(['/etc/passwd']);
    for (const reader of [new SourceReader({ root: dir }), new SourceReader({ binaries: [obj] }), new SourceReader({ root: dir, substitutions: [{ from: '/nowhere', to: dir }] })]) {
      expect(reader.locate('/etc/passwd')).toBeUndefined();
      expect(reader.lines('/etc/passwd')).toBeUndefined();
      expect(reader.lineText('/etc/passwd', 1)).toBeUndefined();
    }
    // `--allow-path /etc` is the user saying so.
    expect(new SourceReader({ allowPaths: ['/etc'] }).locateWithRule('/etc/passwd')).toEqual({ path: '/etc/passwd', rule: 'as-is', base: '/etc' });
    // The disassembly shows the file:line, not the file's text.
    const { text } = await renderFileDisassembly(DebugFile.open(obj), { symbol: 'evil' }, { root: dir });
    expect(text).toMatch(/\/etc\/passwd:\d+/);
    expect(text).not.toMatch(/root:/);
  });

  it('symbolic links out of an allowed directory and `..` do not escape it', () => {
    const root = tempDir();
    symlinkSync('/etc', path.join(root, 'etc'));
    const reader = new SourceReader({ root });
    expect(reader.locate('/etc/passwd')).toBeUndefined();
    expect(reader.locate(`${root}/../../etc/passwd`)).toBeUndefined();
    expect(reader.allows(path.join(root, 'etc', 'passwd'))).toBe(false);
  });
});

describe.skipIf(!haveGcc)('a module built in another directory', () => {
  // Built in `build/src/drivers/`, its DWARF names that directory; then the build tree is gone.
  const build = tempDir();
  const source = 'volatile int *mod_target;\nint mod_fault(int v)\n{\n\t*mod_target = v;\n\treturn v + 2;\n}\n';
  const obj = compile(path.join(build, 'src', 'drivers'), 'mymod.c', source);
  const dwarfName = filesOf(obj, 'mod_fault')[0]!;
  const shipped = tempDir();
  renameSync(obj, path.join(shipped, 'mymod.ko'));
  rmSync(build, { recursive: true });

  it('names its build directory', () => {
    expect(dwarfName).toBe(path.join(build, 'src', 'drivers', 'mymod.c'));
  });

  it('finds the source beside the .ko, by longest existing suffix', () => {
    const ko = path.join(shipped, 'mymod.ko');
    writeFileSync(path.join(shipped, 'mymod.c'), source);
    expect(new SourceReader({ binaries: [ko] }).locateWithRule(dwarfName)).toEqual({ path: path.join(shipped, 'mymod.c'), rule: 'beside-binary', base: shipped });
    mkdirSync(path.join(shipped, 'drivers'));
    writeFileSync(path.join(shipped, 'drivers', 'mymod.c'), source);
    const reader = new SourceReader({});
    expect(reader.locate(dwarfName)).toBeUndefined();
    reader.addBinary(ko);
    expect(reader.locateWithRule(dwarfName)).toEqual({ path: path.join(shipped, 'drivers', 'mymod.c'), rule: 'beside-binary', base: shipped });
    expect(reader.lineText(dwarfName, 4)).toBe('\t*mod_target = v;');
  });

  it('under a module directory, and a substitution first when one matches', () => {
    const modules = tempDir();
    mkdirSync(path.join(modules, 'src', 'drivers'), { recursive: true });
    writeFileSync(path.join(modules, 'src', 'drivers', 'mymod.c'), source);
    expect(new SourceReader({ moduleDirs: [modules] }).locateWithRule(dwarfName)).toEqual({ path: path.join(modules, 'src', 'drivers', 'mymod.c'), rule: 'module-dir', base: modules });
    // A second source root is searched after the first, before the module directories.
    const moduleTree = tempDir();
    mkdirSync(path.join(moduleTree, 'drivers'));
    writeFileSync(path.join(moduleTree, 'drivers', 'mymod.c'), source);
    const kernelTree = tempDir();
    expect(new SourceReader({ root: kernelTree, roots: [moduleTree], moduleDirs: [modules] }).locateWithRule(dwarfName)).toEqual({ path: path.join(moduleTree, 'drivers', 'mymod.c'), rule: 'root-suffix', base: moduleTree });
    const elsewhere = tempDir();
    writeFileSync(path.join(elsewhere, 'mymod.c'), source);
    const subst = { from: path.join(build, 'src', 'drivers'), to: elsewhere };
    expect(new SourceReader({ moduleDirs: [modules], substitutions: [subst] }).locateWithRule(dwarfName)).toEqual({ path: path.join(elsewhere, 'mymod.c'), rule: 'substitution', base: elsewhere });
  });

  it('the disassembly of the shipped .ko interleaves the source beside it', async () => {
    const dir = tempDir();
    const ko = path.join(dir, 'mymod.ko');
    execFileSync('cp', [path.join(shipped, 'mymod.ko'), ko]);
    writeFileSync(path.join(dir, 'mymod.c'), source);
    const file = DebugFile.open(ko);
    const { text } = await renderFileDisassembly(file, { symbol: 'mod_fault' }, { sources: new SourceReader({ binaries: [ko] }) });
    expect(text).toContain('\t*mod_target = v;');
    const without = await renderFileDisassembly(file, { symbol: 'mod_fault' }, { sources: new SourceReader({}) });
    expect(without.text).not.toContain('*mod_target = v;');
  });
});
