// VMCOREINFO, the `KEY=value` note the kernel writes for dump tools: the release and build-id that pick
// the vmlinux, the KASLR slide, and the symbol addresses, structure offsets and sizes that let the log and
// the page tables be read without DWARF. Symbol addresses are run-time addresses (the slide included).

export interface Vmcoreinfo {
  /** Every `KEY=value` line as written, the first of a repeated key kept. */
  readonly entries: ReadonlyMap<string, string>;
  readonly osrelease: string | undefined;
  /** `BUILD-ID=`, lowercase hex (kernels 5.19+ with a build-id). */
  readonly buildId: string | undefined;
  readonly pageSize: number | undefined;
  /** `KERNELOFFSET=`: the KASLR slide, 0 when the kernel was not randomized. */
  readonly kernelOffset: bigint | undefined;
  /** `SYMBOL(name)=hex`. */
  symbol(name: string): bigint | undefined;
  /** `OFFSET(struct.member)=decimal`. */
  offset(member: string): number | undefined;
  /** `SIZE(struct)=decimal`. */
  size(type: string): number | undefined;
  /** `NUMBER(name)=value`: decimal, or hex on architectures that print it so (arm64's `kimage_voffset`). */
  number(name: string): bigint | undefined;
  /** `LENGTH(array)=decimal`. */
  length(array: string): number | undefined;
}

export function parseVmcoreinfo(text: string): Vmcoreinfo {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    if (!entries.has(key)) entries.set(key, line.slice(eq + 1).trim().replace(/\0+$/, ''));
  }
  const hex = (v: string | undefined) => (v !== undefined && /^(0x)?[0-9a-fA-F]+$/.test(v) ? BigInt('0x' + v.replace(/^0x/, '')) : undefined);
  const dec = (v: string | undefined) => (v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined);
  const pageSize = dec(entries.get('PAGESIZE'));
  const buildId = entries.get('BUILD-ID');
  return {
    entries,
    osrelease: entries.get('OSRELEASE'),
    buildId: buildId !== undefined && /^[0-9a-fA-F]+$/.test(buildId) ? buildId.toLowerCase() : undefined,
    pageSize,
    kernelOffset: hex(entries.get('KERNELOFFSET')),
    symbol: (name) => hex(entries.get(`SYMBOL(${name})`)),
    offset: (member) => dec(entries.get(`OFFSET(${member})`)),
    size: (type) => dec(entries.get(`SIZE(${type})`)),
    number(name) {
      const v = entries.get(`NUMBER(${name})`);
      if (v === undefined) return undefined;
      if (/^-?\d+$/.test(v)) return BigInt(v);
      return hex(v);
    },
    length: (array) => dec(entries.get(`LENGTH(${array})`)),
  };
}
