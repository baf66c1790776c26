// The KASLR slide: runtime addresses (register values, `[<ffffffff...>]` entries, crash's `bt`
// lines) differ from the vmlinux's link-time addresses by it; `func+off` frames do not depend on it.

/** `Kernel Offset: 0x38000000 from 0xffffffff81000000 (relocation range: ...)` → the slide. */
export function parseKernelOffset(text: string): bigint | undefined {
  const m = /Kernel Offset:\s*(0x[0-9a-fA-F]+|disabled)/.exec(text);
  if (!m) return undefined;
  return m[1] === 'disabled' ? 0n : BigInt(m[1]!);
}

/**
 * The slide from one symbol seen at a runtime address (e.g. `RIP: ...` with `schedule+0x5d` at
 * `ffffffffb9344217`): runtime − (link address + offset). Undefined when the result is not a
 * plausible KASLR slide (x86_64 slides are 2 MiB aligned).
 */
export function slideFromPair(linkAddress: bigint, offset: bigint, runtimeAddress: bigint): bigint | undefined {
  const slide = BigInt.asIntN(64, runtimeAddress - (linkAddress + offset));
  return slide % 0x200000n === 0n ? slide : undefined;
}
