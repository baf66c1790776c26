// The modules loaded in the dumped kernel: the `modules` list walked through `struct module`, whose
// layout comes from the vmlinux's DWARF (it changes between releases and configurations). Each module's
// text and init text say which module an address is in; its ORC table is the one the loader left in
// module memory (mod->arch.orc_unwind_ip/orc_unwind, sorted at load), read on first use.
// 6.1 places text at the start of `core_layout`/`init_layout` (text_size long); 6.4+ gives each kind
// of memory its own region, `mem[MOD_TEXT]` and `mem[MOD_INIT_TEXT]` (include/linux/module.h).
import type { StructLayout } from '../debuginfo/index.js';
import { VmcoreError } from './errors.js';
import type { KernelMemory } from './kernel-memory.js';
import { OrcTable, type OrcVersion } from './orc.js';

const MOD_TEXT = 0;
const MOD_INIT_TEXT = 4;
const moduleNameLength = 56;
// A list longer than this is a corrupt or looping list, not a kernel's modules.
const maxModules = 10000;

export interface AddressRange {
  base: bigint;
  size: bigint;
}

export interface LoadedModule {
  name: string;
  /** The address of its `struct module`. */
  address: bigint;
  text: AddressRange;
  /** Init text, while the module's init has not finished (size 0 after). */
  initText: AddressRange | undefined;
  /** The module's ORC table, read from memory on first call; undefined when it has none or it is unreadable. */
  orc(): OrcTable | undefined;
  /** The function symbol at or below `address` from the module's kallsyms in memory (no `.ko` needed). */
  symbolAt(address: bigint): { name: string; address: bigint } | undefined;
}

/** The byte offsets in `struct module` the walk needs. */
export interface ModuleOffsets {
  list: number;
  name: number;
  textBase: number;
  textSize: number;
  initTextBase: number | undefined;
  initTextSize: number | undefined;
  orc: { count: number; ips: number; entries: number } | undefined;
  /** `module.kallsyms` (a pointer to struct mod_kallsyms) and that struct's members. */
  kallsyms: { pointer: number; symtab: number; count: number; strtab: number } | undefined;
}

/**
 * The offsets from the DWARF layouts of `struct module` and `struct mod_kallsyms`, or undefined when
 * the module struct has neither release's members.
 */
export function moduleOffsets(layout: StructLayout, kallsyms: StructLayout | undefined): ModuleOffsets | undefined {
  const at = (path: string) => layout.member(path)?.offset;
  const list = at('list');
  const name = at('name');
  const modern = at(`mem[${MOD_TEXT}].base`) !== undefined;
  const textBase = modern ? at(`mem[${MOD_TEXT}].base`) : at('core_layout.base');
  const textSize = modern ? at(`mem[${MOD_TEXT}].size`) : at('core_layout.text_size');
  if (list === undefined || name === undefined || textBase === undefined || textSize === undefined) return undefined;
  const count = at('arch.num_orcs');
  const ips = at('arch.orc_unwind_ip');
  const entries = at('arch.orc_unwind');
  return {
    list,
    name,
    textBase,
    textSize,
    initTextBase: modern ? at(`mem[${MOD_INIT_TEXT}].base`) : at('init_layout.base'),
    initTextSize: modern ? at(`mem[${MOD_INIT_TEXT}].size`) : at('init_layout.text_size'),
    orc: count !== undefined && ips !== undefined && entries !== undefined ? { count, ips, entries } : undefined,
    kallsyms: kallsymsOffsets(at('kallsyms'), kallsyms),
  };
}

function kallsymsOffsets(pointer: number | undefined, layout: StructLayout | undefined): ModuleOffsets['kallsyms'] {
  const symtab = layout?.member('symtab')?.offset;
  const count = layout?.member('num_symtab')?.offset;
  const strtab = layout?.member('strtab')?.offset;
  return pointer !== undefined && symtab !== undefined && count !== undefined && strtab !== undefined ? { pointer, symtab, count, strtab } : undefined;
}

export interface ModuleListOptions {
  memory: KernelMemory;
  offsets: ModuleOffsets;
  /** The run-time address of the `modules` list head. */
  head: bigint;
  /** The ORC layout of this kernel (the vmlinux's). */
  orcVersion: OrcVersion;
}

/**
 * Every module on the list, in list order (most recently loaded first). A broken link ends the walk:
 * the modules read so far are kept and the problem names the address.
 */
export function readModuleList(options: ModuleListOptions): { modules: LoadedModule[]; problems: string[] } {
  const { memory, offsets, head } = options;
  const modules: LoadedModule[] = [];
  const problems: string[] = [];
  const seen = new Set<bigint>();
  try {
    for (let next = memory.u64(head); next !== head; ) {
      if (seen.has(next) || modules.length >= maxModules) {
        problems.push(`the module list loops at 0x${next.toString(16)}`);
        break;
      }
      seen.add(next);
      const address = next - BigInt(offsets.list);
      modules.push(readModule(memory, offsets, address, options.orcVersion));
      next = memory.u64(next);
    }
  } catch (err) {
    if (!(err instanceof VmcoreError)) throw err;
    problems.push(`the module list is cut short: ${err.message}`);
  }
  return { modules, problems };
}

function readModule(memory: KernelMemory, offsets: ModuleOffsets, address: bigint, version: OrcVersion): LoadedModule {
  const field = (offset: number) => address + BigInt(offset);
  const nameBytes = memory.read(field(offsets.name), moduleNameLength);
  const end = nameBytes.indexOf(0);
  const name = Buffer.from(nameBytes.subarray(0, end < 0 ? nameBytes.length : end)).toString('latin1');
  const text = { base: memory.u64(field(offsets.textBase)), size: BigInt(memory.u32(field(offsets.textSize))) };
  let initText: AddressRange | undefined;
  if (offsets.initTextBase !== undefined && offsets.initTextSize !== undefined) {
    initText = { base: memory.u64(field(offsets.initTextBase)), size: BigInt(memory.u32(field(offsets.initTextSize))) };
  }
  let orc: { table: OrcTable | undefined } | undefined;
  let symbols: ModuleSymbols | undefined;
  return {
    name,
    address,
    text,
    initText,
    orc() {
      orc ??= { table: readModuleOrc(memory, offsets, address, version) };
      return orc.table;
    },
    symbolAt(at) {
      symbols ??= readModuleSymbols(memory, offsets, address);
      return symbols.find(at);
    },
  };
}

const elfSymbolSize = 24;
const STT_FUNC = 2;
// More symbols than this is not a module's table.
const maxModuleSymbols = 1 << 20;

interface ModuleSymbols {
  find(address: bigint): { name: string; address: bigint } | undefined;
}

/**
 * The module's function symbols from its kallsyms copy (`mod->kallsyms`: the whole symtab until init
 * ends, the core symbols after), st_value already the run-time address. Names are read on demand.
 */
function readModuleSymbols(memory: KernelMemory, offsets: ModuleOffsets, address: bigint): ModuleSymbols {
  const none: ModuleSymbols = { find: () => undefined };
  const k = offsets.kallsyms;
  if (!k) return none;
  try {
    const table = memory.u64(address + BigInt(k.pointer));
    const count = memory.u32(table + BigInt(k.count));
    if (count === 0 || count > maxModuleSymbols) return none;
    const strtab = memory.u64(table + BigInt(k.strtab));
    const bytes = memory.read(memory.u64(table + BigInt(k.symtab)), count * elfSymbolSize);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const functions: { value: bigint; name: number }[] = [];
    for (let i = 0; i < count; i++) {
      const at = i * elfSymbolSize;
      if ((view.getUint8(at + 4) & 0xf) === STT_FUNC) functions.push({ value: view.getBigUint64(at + 8, true), name: view.getUint32(at, true) });
    }
    // Stable: among aliases at one address the first in the table wins, as in the kernel's own lookup.
    functions.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    return {
      find(at) {
        let best: { value: bigint; name: number } | undefined;
        for (const f of functions) {
          if (f.value > at) break;
          if (!best || f.value > best.value) best = f;
        }
        if (!best) return undefined;
        const raw = memory.read(strtab + BigInt(best.name), 128);
        const end = raw.indexOf(0);
        return { name: Buffer.from(raw.subarray(0, end < 0 ? raw.length : end)).toString('latin1'), address: best.value };
      },
    };
  } catch (err) {
    if (err instanceof VmcoreError) return none;
    throw err;
  }
}

// More entries than this is not a module's table (the biggest modules have tens of thousands).
const maxModuleOrcs = 1 << 22;

function readModuleOrc(memory: KernelMemory, offsets: ModuleOffsets, address: bigint, version: OrcVersion): OrcTable | undefined {
  const o = offsets.orc;
  if (!o) return undefined;
  try {
    const count = memory.u32(address + BigInt(o.count));
    if (count === 0 || count > maxModuleOrcs) return undefined;
    const ipsAt = memory.u64(address + BigInt(o.ips));
    const entriesAt = memory.u64(address + BigInt(o.entries));
    return new OrcTable(memory.read(ipsAt, count * 4), ipsAt, memory.read(entriesAt, count * 6), version);
  } catch (err) {
    if (err instanceof VmcoreError) return undefined;
    throw err;
  }
}

/** The module whose text or init text holds `address`. */
export function findModule(modules: readonly LoadedModule[], address: bigint): { module: LoadedModule; region: 'core' | 'init' } | undefined {
  for (const module of modules) {
    if (address >= module.text.base && address < module.text.base + module.text.size) return { module, region: 'core' };
    const init = module.initText;
    if (init && init.size > 0n && address >= init.base && address < init.base + init.size) return { module, region: 'init' };
  }
  return undefined;
}
