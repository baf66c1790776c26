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
}

/** The offsets from the struct's DWARF layout, or undefined when it has neither layout's members. */
export function moduleOffsets(layout: StructLayout): ModuleOffsets | undefined {
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
  };
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
  return {
    name,
    address,
    text,
    initText,
    orc() {
      orc ??= { table: readModuleOrc(memory, offsets, address, version) };
      return orc.table;
    },
  };
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
