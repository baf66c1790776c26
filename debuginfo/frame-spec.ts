// The `function+0x19/0x22` notation of kernel backtraces (and of scripts/faddr2line), parsed into
// its name, offset and the function length the kernel printed.

export interface FrameSpec {
  symbol: string;
  offset: bigint;
  /** The `/0x22` part: the function's size as the crashing kernel saw it. */
  length: bigint | undefined;
}

const specPattern = /^([A-Za-z_.$][\w.$]*)(?:\+(0x[0-9a-fA-F]+|\d+))?(?:\/(0x[0-9a-fA-F]+|\d+))?$/;

/** Parses `func`, `func+0x19` or `func+0x19/0x22`; undefined for anything else. */
export function parseFrameSpec(text: string): FrameSpec | undefined {
  const m = specPattern.exec(text.trim());
  if (!m) return undefined;
  return { symbol: m[1]!, offset: m[2] ? BigInt(m[2]) : 0n, length: m[3] ? BigInt(m[3]) : undefined };
}

export function renderFrameSpec(spec: FrameSpec): string {
  const off = `+0x${spec.offset.toString(16)}`;
  return spec.length === undefined ? spec.symbol + off : `${spec.symbol}${off}/0x${spec.length.toString(16)}`;
}
