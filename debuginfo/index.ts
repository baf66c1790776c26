// Public API of debuginfo/: ELF and DWARF reading, symbolization of kernel and module addresses.
// A plain list of re-exports (several engineers add lines here).

/** Typed errors for malformed binaries: file, section, offset, code. */
export { ElfFormatError, DwarfFormatError, type FormatErrorPlace } from './errors.js';
/** A binary (vmlinux or `.ko`) with lazily built layout, symbols and DWARF; `DebugFile.open(path)`. */
export { DebugFile } from './debug-file.js';
/** Lazy ELF reader: `ElfFile.open(path)`, `.sections`, `.findSection(name)`, `.sectionData(section)`, `.readSectionRange(...)`. */
export { ElfFile, type ElfSection, type ElfOpenOptions } from './elf/elf-file.js';
/** Section addresses; in a `.ko` each allocated section gets its own synthetic base. */
export { SectionLayout, type SectionAddress } from './elf/section-layout.js';
/** `.symtab` with sizes: `findByAddress(address)` (kallsyms-style naming), `findByName(name)`, `codeSymbols()`, `symbol(index)`. */
export { SymbolTable, readSymbolTable, type ElfSymbol } from './elf/symbol-table.js';
/** Relocation entries of a `.rela.*` section (e.g. `.rela.text` of a `.ko`) and the sections that target a section. */
export { readRelocations, findRelocationSections, type ElfRelocation } from './elf/relocations.js';
/** GNU build-id, `.gnu_debuglink` and a module's `.modinfo`. */
export { readBuildId, readFileBuildId, readDebuglink, readModinfo, parseNotes, gnuBuildId, type Debuglink, type ElfNote } from './elf/elf-notes.js';
/** ELF constants (SHF_*, STT_*, EM_*, ET_*). */
export * as elfConstants from './elf/elf-constants.js';
/** DWARF lookups by address: `findFrames(address)` (inline chain, innermost first), `findLineRow`, `lineRowsInRange`. */
export { DwarfInfo, type InlineFrame, type SourcePlace } from './dwarf/dwarf-info.js';
/** A unit's line table: `findRow(address)`, `rowsInRange(start, end)`. */
export { LineProgram, type LineRow } from './dwarf/line-program.js';
/** One binary's answers: `symbolize(address)`, `symbolizeInSection(section, offset)`, `lookup(name)`, `resolve("func+0x19/0x22")`. */
export { Symbolizer, type SourceFrame, type SymbolSource, type SymbolLocation, type Symbolization, type Resolution, type SymbolizeOptions, type SymbolizerOptions } from './symbolizer.js';
/** vmlinux + modules by name (`loadModule`: symbolizer or a module-not-found/module-corrupt warning) + a fixed KASLR slide + wrong-binary warnings: `resolve(spec, { module })`, `symbolize(runtimeAddress)`, `symbolizeRuntime(address)` (modules too, given `moduleBases`), `close()`. */
export { KernelSymbolizer, type KernelSymbolizerOptions, type ModuleLoad } from './kernel-symbolizer.js';
/** The length a kernel prints after the slash of `func+0x19/0x22` (kallsyms: distance to the next symbol, a module's page-aligned text end). */
export { KallsymsSizes } from './kallsyms-size.js';
/** Where the module loader puts each section of a `.ko` (core/init regions), and region offset → section. */
export { moduleLayout, sectionAtRegionOffset, type ModuleLayout, type ModuleRegion } from './module-layout.js';
/** A module loaded at a base: a runtime address's answer (`symbolizeAtLoadBase`), each function's range in its core region (`coreRanges`). */
export { symbolizeAtLoadBase, coreRanges } from './module-placement.js';
/** `func+0x19/0x22` notation. */
export { parseFrameSpec, renderFrameSpec, type FrameSpec } from './frame-spec.js';
/** KASLR slide from `Kernel Offset:` or a symbol/runtime-address pair. */
export { parseKernelOffset, slideFromPair } from './kaslr.js';
/** Is it the right binary: `checkVmlinux(file, report)` (not a kernel image, linux_banner), module vermagic/srcversion. */
export { readLinuxBanner, parseBanner, compareKernelIdentity, checkVmlinux, notVmlinuxReason, readModuleIdentity, compareModuleIdentity, type KernelIdentity, type ModuleIdentity } from './kernel-identity.js';
/** Typed warnings on every answer: `{ code, message, file?, module? }`; `isWrongBinary` for the codes that mean "not the binary that crashed". */
export { isWrongBinary, wrongBinaryCodes, type DebugWarning, type DebugWarningCode } from './warnings.js';
/** System.map as a fallback symbol table (never throws: `{ map, problems }`). */
export { SystemMap, parseSystemMap, type MapSymbol, type SystemMapParse } from './system-map.js';
/** Finding vmlinux (path, build-id, release, debuglink; every distribution's layout, a build tree) and modules by name or `modules.order`. */
export { findVmlinux, vmlinuxCandidates, normalizeDebugRoot, buildIdPath, buildIdFiles, findDebuglinkTarget, separateDebugFile, sameBuild, isKernelBuildTree, normalizeModuleName, moduleDirs, ModuleFinder, defaultDebugRoots, type VmlinuxQuery } from './locate.js';
/** The distribution debug package of a kernel release (Debian, Ubuntu, Fedora, RHEL, SUSE schemes). */
export { debugPackageOf, type DebugPackage } from './debug-packages.js';
/** Opens a binary, decompressing `.ko.xz`/`.ko.zst`/`.ko.gz` in memory. */
export { openDebugFile } from './open-debug-file.js';
/** Disassembly (x86-64, AArch64) spelled as objdump, source interleave, oops `Code:` lines: see disasm/index.ts. */
export * from './disasm/index.js';
/** debuginfod: `GET $URL/buildid/<hex>/debuginfo|executable|source/<path>` into elfutils' cache; `debuginfodFromEnv()` is off unless `DEBUGINFOD_URLS` is set. */
export { DebuginfodClient, DebuginfodError, debuginfodFromEnv, debuginfodCacheDir, type DebuginfodOptions, type DebuginfodFile, type DebuginfodKind } from './debuginfod.js';
/** The running kernel's build-id from `/sys/kernel/notes`, only for a report of the running release. */
export { runningKernelBuildId, buildIdFromNotes } from './running-kernel.js';
/** Positioned reads of a file (or bytes in memory): what lazy readers of huge files (vmlinux, vmcores) read through. */
export { fileByteSource, memoryByteSource, type ByteSource } from './byte-source.js';
/** zstd frames through fzstd, loaded on first use. */
export { zstdDecompress } from './zstd.js';
/** A struct's member offsets from DWARF (`module.mem[0].base`), read from the one unit covering a given code address. */
export { readStructLayout, type StructLayout, type MemberPlace } from './dwarf/type-layout.js';
/** The build-id of an installed kernel image: an x86 bzImage's payload (gzip, xz, zstd, LZ4), an EFI zboot or raw arm64 Image, or ELF. */
export { bootImageBuildId, imageBuildId, type BootImageBuildId, type BootImageFormat } from './boot-image.js';
/** Build-ids of the kernels and modules installed under a root (`boot/vmlinuz-R`, `lib/modules/R`), for reports that print none. */
export { InstalledKernels, type InstalledBuildId } from './installed-kernel.js';
/** LZ4's legacy frame (`lz4 -l`), the kernel's LZ4 payloads. */
export { lz4LegacyDecompress } from './lz4-legacy.js';
/** elfutils' names for a source in a build-id's debuginfod cache directory (up to 0.191, and since 0.192). */
export { sourceCacheNames } from './debuginfod.js';
