// One backtrace line of any console format into frames: x86/arm64 `[? ]func+0xOFF/0xSIZE [mod buildid] (P)`,
// old `[<addr>] func+off/size`, ARM32 `[<pc>] (func) from [<lr>] (caller+off/size)`, `/proc/PID/stack`
// `[<0>] func+off/size`, 2.6-era ARM `Function entered at [<a>] from [<b>]`, 2.6.7 `<addr>{func+dec}`, and symbolized forms (`func+off/size file.c:12`,
// `func file.c:12 [inline]`, decode_stacktrace's `func (file.c:12 file.h:3) mod`).
import type { CrashFrame, SourceRef } from './model.js';

export type FrameDraft = Omit<CrashFrame, 'index' | 'inputLine' | 'raw'>;

// ppc64 ELFv1 function descriptors print as `.name`.
const symbolChars = String.raw`\.?[A-Za-z_$][A-Za-z0-9_$.]*`;
const offsetSize = String.raw`\+(0x[0-9a-fA-F]+|[0-9]+)(?:/(0x[0-9a-fA-F]+|[0-9]+))?`;
const sourceLoc = String.raw`((?:[A-Za-z0-9_.\-+/]+/)?[A-Za-z0-9_.\-+]+\.(?:c|h|S|s|rs|cc|cpp|lds|inc)):(\d+)(?::\d+)?(?: \(discriminator \d+\))?`;

const x86Frame = new RegExp(
  String.raw`^\s*\(?(?:\[<?([0-9a-fA-F]+|0)>?\]\s*|[0-9a-f]{16}\s+){0,2}(\?\s+)?(?:\d+:)?(${symbolChars})${offsetSize}` +
    String.raw`(?:\s+\[([A-Za-z0-9_\-]+)(?:\s+([0-9a-f]{16,}))?\])?(?:\s+\(([PLCTUFK]+|unreliable)\))?(?:\s+${sourceLoc}(\s+\[inline\])?)?\)?\s*$`,
);
const inlineFrame = new RegExp(String.raw`^\s*(\?\s+)?(${symbolChars})\s+${sourceLoc}\s+\[inline\]\s*$`);
const decodedFrame = new RegExp(
  String.raw`^\s*(\?\s+)?(${symbolChars})(?:${offsetSize})?\s+\(((?:${sourceLoc}\s*)+|\?\?:\?|[^()]*:\?)\)(?:\s+([A-Za-z0-9_\-]+))?(?:\s+\(([PLCTUFK]+)\))?\s*$`,
);
const armFrame = new RegExp(
  String.raw`^\s*\[<([0-9a-fA-F]+)>\]\s+\((${symbolChars})(?:${offsetSize})?(?:\s+\[([A-Za-z0-9_\-]+)\])?\)\s+from\s+\[<([0-9a-fA-F]+)>\]\s+` +
    String.raw`\((?:(${symbolChars})(?:${offsetSize})?(?:\s+\[([A-Za-z0-9_\-]+)\])?(?:\s+${sourceLoc}(\s+\[inline\])?)?|[^)]*)\)`,
);
const armEntered = /^\s*Function entered at \[<([0-9a-fA-F]+)>\] from \[<([0-9a-fA-F]+)>\]/;
const armFromFrame = new RegExp(String.raw`^\s*(${symbolChars})(?:${offsetSize})? from (${symbolChars})${offsetSize}(?:\s+\[([A-Za-z0-9_\-]+)\])?\s*$`);
const oldBraceFrame = new RegExp(String.raw`<([0-9a-fA-F]{8,16})>\{(${symbolChars})\+(\d+|0x[0-9a-fA-F]+)\}`, 'g');
const sourceLocGlobal = new RegExp(sourceLoc, 'g');

export function parseOffset(text: string): number {
  return text.startsWith('0x') || text.startsWith('0X') ? Number.parseInt(text.slice(2), 16) : Number.parseInt(text, 10);
}

function parseAddress(text: string | undefined): bigint | undefined {
  if (!text || /^0+$/.test(text)) return undefined;
  try {
    return BigInt('0x' + text);
  } catch {
    return undefined;
  }
}

function sources(text: string): SourceRef[] {
  const out: SourceRef[] = [];
  for (const m of text.matchAll(sourceLocGlobal)) out.push({ file: m[1], line: Number(m[2]), inlined: false });
  // decode_stacktrace prints the chain outermost-last: the last location is the function's own line.
  for (let i = 0; i < out.length - 1; i++) out[i].inlined = true;
  return out;
}

/** Frames on one line (ARM32 and the 2.6.7 brace form can give more than one); [] when the line is not a frame. */
export function parseFrameLine(line: string): FrameDraft[] {
  if (line.length > 4096) return [];
  let m = x86Frame.exec(line);
  if (m) {
    const [, addr, unreliable, symbol, off, size, module, buildId, annotation, file, lineNo, inline] = m;
    const frame: FrameDraft = {
      symbol,
      offset: parseOffset(off),
      size: size === undefined ? undefined : parseOffset(size),
      module,
      buildId,
      address: parseAddress(addr),
      reliable: !unreliable && annotation !== 'unreliable' && !/^\s*\(\[</.test(line),
    };
    // arm64 6.13+ marks how each entry was found: (P) is an exception's PC, an exact address.
    if (annotation?.includes('P')) frame.isFault = true;
    if (file) frame.sources = [{ file, line: Number(lineNo), inlined: Boolean(inline), function: symbol }];
    return [frame];
  }
  m = inlineFrame.exec(line);
  if (m) {
    return [{ symbol: m[2], reliable: !m[1], sources: [{ file: m[3], line: Number(m[4]), inlined: true, function: m[2] }] }];
  }
  m = armFrame.exec(line);
  if (m) {
    const [, pc, symbol, off, size, module, lr, caller, callerOff, callerSize, callerModule, file, lineNo, inline] = m;
    // `[<where>] (callee) from [<from>] (caller+off/size)`: the callee is the frame the previous line's
    // `from` half already named (the console keeps it only where nothing did: a trace's first line); the
    // caller is the next frame, at its return address. A symbolizer's source line there is the caller's,
    // one line per inline level.
    const callee: FrameDraft = {
      symbol,
      offset: off === undefined ? undefined : parseOffset(off),
      size: size === undefined ? undefined : parseOffset(size),
      module,
      address: parseAddress(pc),
      reliable: true,
    };
    if (!caller) return [callee];
    const from: FrameDraft = {
      symbol: caller,
      offset: callerOff === undefined ? undefined : parseOffset(callerOff),
      size: callerSize === undefined ? undefined : parseOffset(callerSize),
      module: callerModule,
      address: parseAddress(lr),
      reliable: true,
    };
    if (file) from.sources = [{ file, line: Number(lineNo), inlined: Boolean(inline), function: caller }];
    return [callee, from];
  }
  m = armEntered.exec(line);
  if (m) {
    // 2.6-era ARM without kallsyms: the entry of the called function, then the return address in its caller.
    return [
      { address: parseAddress(m[1]), offset: 0, reliable: true },
      { address: parseAddress(m[2]), reliable: true },
    ];
  }
  m = armFromFrame.exec(line);
  if (m) {
    // ARM without addresses (5.x+): `callee from caller+off/size`, read like the bracketed form: the callee is
    // the frame the line before named, the caller the next frame.
    const [, symbol, off, size, caller, callerOff, callerSize, callerModule] = m;
    return [
      { symbol, offset: off === undefined ? undefined : parseOffset(off), size: size === undefined ? undefined : parseOffset(size), reliable: true },
      { symbol: caller, offset: parseOffset(callerOff), size: callerSize === undefined ? undefined : parseOffset(callerSize), module: callerModule, reliable: true },
    ];
  }
  m = decodedFrame.exec(line);
  if (m && !/^(?:RIP|EIP|IP|pc|lr|PC|LR)$/.test(m[2])) {
    const [, unreliable, symbol, off, size, locs, , , , module] = m;
    return [
      {
        symbol,
        offset: off === undefined ? undefined : parseOffset(off),
        size: size === undefined ? undefined : parseOffset(size),
        module,
        reliable: !unreliable,
        sources: sources(locs),
      },
    ];
  }
  if (line.includes('>{')) {
    return [...line.matchAll(oldBraceFrame)].map((b) => ({
      symbol: b[2],
      offset: parseOffset(b[3]),
      address: parseAddress(b[1]),
      reliable: true,
    }));
  }
  return [];
}

const symbolRef = new RegExp(String.raw`^(?:\[<([0-9a-fA-F]+)>\]\s*){0,2}(?:\d+:)?(${symbolChars})${offsetSize}(?:\s+\[([A-Za-z0-9_\-]+)(?:\s+[0-9a-f]{16,})?\])?(?:\s+${sourceLoc})?`);

/** `func+0x11/0x1000 [mod]` after `RIP: 0010:`, `pc : `, `PC is at `, `IP: [<...>] `: the faulting frame. */
export function parseSymbolRef(text: string): FrameDraft | undefined {
  const m = symbolRef.exec(text.trim());
  if (!m) return undefined;
  const [, addr, symbol, off, size, module, file, lineNo] = m;
  const frame: FrameDraft = {
    symbol,
    offset: parseOffset(off),
    size: size === undefined ? undefined : parseOffset(size),
    module,
    address: parseAddress(addr),
    reliable: true,
    isFault: true,
  };
  if (file) frame.sources = [{ file, line: Number(lineNo), inlined: false, function: symbol }];
  return frame;
}
