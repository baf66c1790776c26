// The kernel-facing pieces around the DWARF reader: frame specs, KASLR slides, wrong-binary checks
// (linux_banner, vermagic), the System.map and symtab-only fallbacks, and finding files by build-id,
// debuglink, release and module name (compressed modules included).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dbgRoot, modulesPath, release, sourceTreePath as sourceTree, vmlinuxPath } from '../../bench/debuginfo/paths.js';
import {
  type DebugWarning,
  DebugFile,
  KernelSymbolizer,
  ModuleFinder,
  SourceReader,
  Symbolizer,
  compareKernelIdentity,
  compareModuleIdentity,
  findDebuglinkTarget,
  findVmlinux,
  normalizeModuleName,
  openDebugFile,
  parseBanner,
  parseFrameSpec,
  parseKernelOffset,
  parseSystemMap,
  readBuildId,
  readDebuglink,
  readLinuxBanner,
  readModuleIdentity,
  slideFromPair,
} from '../../debuginfo/index.js';
import { buildFixture, hasTool, run } from './support/fixtures.js';

const shared = path.resolve(import.meta.dirname, '../../../shared');
const lab = path.join(shared, 'crashes/lab');
const haveVmlinux = existsSync(vmlinuxPath);
const haveGcc = hasTool('gcc') && hasTool('objcopy') && hasTool('readelf');
if (!haveVmlinux) console.log(`debuginfo kernel tools: real-vmlinux checks skipped, missing ${vmlinuxPath} (scripts/fetch-debian.sh dbg)`);
if (!existsSync(lab)) console.log(`debuginfo kernel tools: lab checks skipped, missing ${lab}`);
if (!existsSync(sourceTree)) console.log(`debuginfo kernel tools: source path mapping on the real tree skipped, missing ${sourceTree} (scripts/fetch-debian.sh source)`);

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'crashnav-locate-'));
}

describe('frame specs and KASLR', () => {
  it('parses func+off/len like the kernel prints it', () => {
    expect(parseFrameSpec('crash_nullwrite_init+0x11/0x1000')).toEqual({ symbol: 'crash_nullwrite_init', offset: 0x11n, length: 0x1000n });
    expect(parseFrameSpec('foo.isra.0+0x5')).toEqual({ symbol: 'foo.isra.0', offset: 5n, length: undefined });
    expect(parseFrameSpec('schedule')).toEqual({ symbol: 'schedule', offset: 0n, length: undefined });
    expect(parseFrameSpec('0xffffffff81000000')).toBeUndefined();
  });

  it.skipIf(!existsSync(shared))('reads the slide from a real report, and from a symbol/runtime pair', () => {
    const text = readFileSync(path.join(shared, 'crashes/syzkaller/guilty/4'), 'utf8');
    expect(parseKernelOffset(text)).toBe(0x6000000n);
    expect(parseKernelOffset('Kernel Offset: disabled')).toBe(0n);
    expect(slideFromPair(0xffffffff81a09380n, 0x5dn, 0xffffffffb9a093ddn)).toBe(0x38000000n);
    expect(slideFromPair(0xffffffff81a09380n, 0x5dn, 0xffffffffb9a093den)).toBeUndefined();
  });

  it.skipIf(!haveVmlinux)('a runtime address with the slide applied resolves like the link address', () => {
    const file = DebugFile.open(vmlinuxPath);
    const plain = new KernelSymbolizer({ vmlinux: file });
    const link = plain.vmlinux.lookup('schedule')[0]!.address + 0x20n;
    expect(slideFromPair(link - 0x20n, 0x20n, link + 0x38000000n)).toBe(0x38000000n);
    const kernel = new KernelSymbolizer({ vmlinux: file, slide: 0x38000000n });
    expect(kernel.symbolize(link + 0x38000000n).frames).toEqual(plain.symbolize(link).frames);
    expect(kernel.symbolize(link + 0x38000000n + 1n, { returnAddress: true }).frames).toEqual(plain.symbolize(link).frames);
  });
});

describe('is it the right binary?', () => {
  it.skipIf(!haveVmlinux || !existsSync(lab))('the Debian banner matches the lab oops, and a different build is a loud warning', () => {
    const file = DebugFile.open(vmlinuxPath);
    const banner = readLinuxBanner(file)!;
    expect(banner).toMatch(/^Linux version 6\.1\.0-53-cloud-amd64 .*Debian 6\.1\.187-1/);
    const identity = parseBanner(banner);
    expect(identity.release).toBe(release);
    const console_ = readFileSync(path.join(lab, 'runs/a_nullwrite/console.clean.log'), 'utf8');
    const cpu = /CPU: .* (\S+) (#\d+\s+.*)$/m.exec(console_)!;
    expect(compareKernelIdentity(identity, { release: cpu[1], version: cpu[2] }, 'vmlinux')).toEqual([]);
    const other = compareKernelIdentity(identity, { release: '6.1.0-52-cloud-amd64', version: '#1 Debian 6.1.186-1' }, 'vmlinux');
    expect(other.map((w) => w.code)).toEqual(['release-mismatch', 'build-mismatch']);
    expect(other[0]!.message).toMatch(/WRONG BINARY\? the report's kernel is 6\.1\.0-52-cloud-amd64/);
    const kernel = new KernelSymbolizer({ vmlinux: file, report: { release: '6.1.0-52-cloud-amd64' } });
    expect(kernel.symbolize(kernel.vmlinux.lookup('schedule')[0]!.address).warnings[0]).toMatchObject({ code: 'release-mismatch', message: expect.stringMatching(/WRONG BINARY/) });
  });

  it.skipIf(!existsSync(lab))('module vermagic and srcversion', () => {
    const file = DebugFile.open(path.join(lab, 'modules/crash_nullwrite/crash_nullwrite.ko'));
    const id = readModuleIdentity(file);
    expect(id.vermagic?.split(' ')[0]).toBe(release);
    expect(id.name).toBe('crash_nullwrite');
    expect(compareModuleIdentity(id, { release }, 'crash_nullwrite')).toEqual([]);
    expect(compareModuleIdentity(id, { release: '6.2.0', srcversion: 'ABC' }, 'crash_nullwrite').map((w) => w.code)).toEqual(id.srcversion ? ['module-vermagic', 'module-srcversion'] : ['module-vermagic']);
  });
});

describe.skipIf(!haveGcc || !hasTool('nm'))('the function length of a report (kallsyms sizes)', () => {
  /** What the kernel prints after the slash: scripts/kallsyms reads `nm -n`, and a size is the distance to the next symbol. */
  function nmLength(file: string, name: string): bigint {
    const rows = run('nm', ['-n', file]).split('\n').map((l) => l.split(' ')).filter((r) => r.length === 3 && /^[tTwW]$/.test(r[1]!));
    const at = rows.findIndex((r) => r[2] === name);
    const next = rows.slice(at + 1).find((r) => r[0] !== rows[at]![0])!;
    return BigInt(`0x${next[0]}`) - BigInt(`0x${rows[at]![0]}`);
  }
  const sizeWarnings = (r: { warnings: DebugWarning[] }) => r.warnings.filter((w) => w.code === 'size-mismatch');

  it('accepts the padded length the kernel prints for the same binary, warns for another build', () => {
    const padded = buildFixture('d5-align64', ['-g', '-O2', '-falign-functions=64']);
    const other = buildFixture('d5o0', ['-g', '-O0']);
    const s = new Symbolizer(DebugFile.open(padded));
    const elfSize = BigInt(s.lookup('leaf')[0]!.size);
    const printed = nmLength(padded, 'leaf');
    expect(printed).toBeGreaterThan(elfSize); // the alignment padding is part of what the kernel prints
    expect(sizeWarnings(s.resolve(`leaf+0x3/0x${printed.toString(16)}`))).toEqual([]);
    expect(sizeWarnings(s.resolve(`leaf+0x3/0x${elfSize.toString(16)}`))).toEqual([]);
    expect(sizeWarnings(s.resolve(`leaf+0x3/0x${(printed + 1n).toString(16)}`))).toHaveLength(1);

    // The -O0 build's leaf is another size: the -O2 report's length is outside what it could print.
    const o0 = new Symbolizer(DebugFile.open(other));
    const o0Size = BigInt(o0.lookup('leaf')[0]!.size);
    const o0Printed = nmLength(other, 'leaf');
    expect(printed < o0Size || printed > o0Printed).toBe(true);
    const warned = sizeWarnings(o0.resolve(`leaf+0x3/0x${printed.toString(16)}`));
    expect(warned).toHaveLength(1);
    expect(warned[0]!.message).toContain(`leaf is 0x${o0Size.toString(16)} bytes in ${other}`);
    expect(warned[0]!.message).toContain('likely not the binary that crashed');
  });

  it('a module function reaches the page-aligned end of the loader\'s text region, and no further', () => {
    const obj = buildFixture('obj-gcc--g-O2-c.o', ['-g', '-O2', '-c']);
    const s = new Symbolizer(DebugFile.open(obj));
    // `setup` is alone in .init.text: the init region is one page.
    expect(s.lookup('setup')[0]!.section).toBe('.init.text');
    expect(sizeWarnings(s.resolve('setup+0x8/0x1000'))).toEqual([]);
    expect(sizeWarnings(s.resolve('setup+0x8/0x1001'))).toHaveLength(1);
  });
});

describe('fallbacks without DWARF', () => {
  it.skipIf(!haveVmlinux)('System.map gives function+offset and says so', () => {
    const { map, problems } = parseSystemMap(readFileSync(path.join(dbgRoot, 'boot', `System.map-${release}`), 'utf8'));
    expect(problems).toEqual([]);
    const s = new Symbolizer({ systemMap: map, name: 'System.map' });
    const r = s.resolve('schedule+0x10');
    expect(r.source).toBe('system-map');
    expect(r.frames[0]!.function).toBe('schedule');
    expect(r.symbol?.offset).toBe(0x10n);
    expect(r.warnings.map((w) => w.code)).toContain('no-dwarf');
    expect(parseSystemMap('garbage\nffffffff81000000 T _stext\n').problems).toEqual([{ line: 1, code: 'bad-line' }]);
  });

  it.skipIf(!haveGcc)('a stripped binary falls back to its symbol table', () => {
    const exe = buildFixture('d5', ['-g', '-O2']);
    const stripped = `${exe}.strip-debug`;
    run('objcopy', ['--strip-debug', exe, stripped]);
    const s = new Symbolizer(DebugFile.open(stripped));
    const r = s.resolve('leaf+0x3');
    expect(r.source).toBe('symtab');
    expect(r.frames).toEqual([{ function: 'leaf', file: undefined, line: 0, column: 0, discriminator: 0, inlined: false }]);
  });
});

describe.skipIf(!haveGcc)('finding the debug files', () => {
  it('by build-id under a debug root, by release, and by .gnu_debuglink with its CRC', () => {
    const exe = buildFixture('d5-buildid', ['-g', '-O2', '-Wl,--build-id=sha1']);
    const id = readBuildId(DebugFile.open(exe).elf)!;
    expect(run('readelf', ['-n', exe])).toContain(id);
    const root = tempDir();
    const target = path.join(root, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`);
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(exe, target);
    expect(findVmlinux({ buildId: id, debugRoots: [root] })).toBe(target);
    mkdirSync(path.join(root, 'boot'));
    copyFileSync(exe, path.join(root, 'boot', 'vmlinux-9.9.9-test'));
    expect(findVmlinux({ release: '9.9.9-test', debugRoots: [root] })).toBe(path.join(root, 'boot', 'vmlinux-9.9.9-test'));
    expect(findVmlinux({ release: 'nope', debugRoots: [root] })).toBeUndefined();

    const dir = tempDir();
    const debug = path.join(dir, 'prog.debug');
    const stripped = path.join(dir, 'prog');
    run('objcopy', ['--only-keep-debug', exe, debug]);
    run('objcopy', ['--strip-debug', `--add-gnu-debuglink=${debug}`, exe, stripped]);
    const link = readDebuglink(DebugFile.open(stripped).elf)!;
    expect(link.file).toBe('prog.debug');
    expect(findDebuglinkTarget(stripped, link, [])).toBe(debug);
    expect(findDebuglinkTarget(stripped, { ...link, crc: link.crc ^ 1 }, [])).toBeUndefined();
    const viaLink = new Symbolizer(DebugFile.open(debug));
    expect(viaLink.resolve('leaf+0x3').frames.at(-1)?.function).toBe('leaf');
  });

  it('modules by name with - and _ equal, plain and .ko.xz/.ko.zst/.ko.gz', async () => {
    const obj = buildFixture('obj-gcc--g-O2-c.o', ['-g', '-O2', '-c']);
    const dir = tempDir();
    const sub = path.join(dir, 'kernel', 'drivers', 'misc');
    mkdirSync(sub, { recursive: true });
    const plain = new Symbolizer(DebugFile.open(obj)).resolve('setup+0x8');
    for (const [ext, tool] of [['.ko.xz', 'xz'], ['.ko.zst', 'zstd'], ['.ko.gz', 'gzip']] as const) {
      if (!hasTool(tool)) continue;
      const name = `my-mod-${tool}`;
      const out = path.join(sub, name + ext);
      run('sh', ['-c', `${tool} -c < '${obj}' > '${out}'`]);
      const found = new ModuleFinder({ dirs: [dir] }).find(`my_mod_${tool}`);
      expect(found).toBe(out);
      const r = new Symbolizer(await openDebugFile(found!)).resolve('setup+0x8');
      expect(r.frames).toEqual(plain.frames);
    }
    expect(normalizeModuleName('snd-hda-intel.ko.zst')).toBe('snd_hda_intel');
  });

  it.skipIf(!existsSync(modulesPath))('a Debian module by name, resolved through the kernel symbolizer', async () => {
    const kernel = new KernelSymbolizer({ vmlinux: DebugFile.open(buildFixture('d5', ['-g', '-O2'])), moduleDirs: [modulesPath] });
    const r = await kernel.resolve('ems_driver_init+0x3', { module: 'hid-emsff' });
    expect(r.frames.at(-1)?.function).toBe('ems_driver_init');
    expect(r.frames[0]!.file).toMatch(/drivers\/hid\/hid-emsff\.c$/);
    expect((await kernel.resolve('x+0', { module: 'no_such_module' })).warnings).toContainEqual({ code: 'module-not-found', message: 'module no_such_module not found', module: 'no_such_module' });
  });
});

describe.skipIf(!haveVmlinux || !existsSync(sourceTree))('DWARF paths mapped onto the Debian source tree', () => {
  it('relative C paths and absolute assembly paths, `..` and --subst-path', () => {
    const file = DebugFile.open(vmlinuxPath);
    const s = new Symbolizer(file);
    const c = s.resolve('schedule+0x10').frames[0]!.file!;
    const asm = s.resolve('entry_SYSCALL_64+0x10').frames[0]!.file!;
    expect(c.startsWith('/')).toBe(false);
    expect(asm).toMatch(/^\/build\/reproducible-path\/linux-6\.1\.187\/arch\/x86\/entry\/entry_64\.S$/);
    const reader = new SourceReader({ root: sourceTree });
    expect(c).toMatch(/^debian\/build\/build_amd64_none_cloud-amd64\/kernel\/sched\/core\.c$/);
    expect(reader.locate(c)).toBe(path.join(sourceTree, 'kernel/sched/core.c'));
    expect(reader.locate(asm)).toBe(path.join(sourceTree, 'arch/x86/entry/entry_64.S'));
    expect(reader.locate('debian/build/x/../kernel/sched/../sched/core.c')).toBe(path.join(sourceTree, 'kernel/sched/core.c'));
    const subst = new SourceReader({ substitutions: [{ from: '/build/reproducible-path/linux-6.1.187', to: sourceTree }] });
    expect(subst.locate(asm)).toBe(path.join(sourceTree, 'arch/x86/entry/entry_64.S'));
  });
});
