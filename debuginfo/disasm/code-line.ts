// Parses an oops `Code:` line: the bytes around the faulting instruction as the kernel's show_opcodes()
// (x86, `<0f>` marks the faulting byte) or dump_kernel_instr() (arm64/ARM, words with `(d4210000)`
// marking the faulting one) print them. Pure and total: bad input yields problems, never a throw.

export interface CodeLine {
  /** The bytes in memory order (words are little-endian, as the CPU fetched them). */
  bytes: Uint8Array;
  /** 1 for x86 byte dumps, 4 for arm64/ARM words, 2 for Thumb halfwords. */
  unitSize: 1 | 2 | 4;
  /** Offset in `bytes` of the faulting byte or word; undefined when the line has no marker. */
  markerOffset: number | undefined;
}

export interface CodeLineProblem {
  code: 'no-code-line' | 'bad-token' | 'mixed-widths' | 'several-markers' | 'opcodes-unavailable' | 'empty';
  message: string;
}

export interface CodeLineParse {
  value: CodeLine | undefined;
  /** `Code: Unable to access opcode bytes at 0x...`: the address the kernel could not read. */
  unavailableAt?: bigint;
  problems: CodeLineProblem[];
}

const hexToken = /^([<(]?)([0-9a-fA-F]+)([>)]?)$/;

/**
 * Finds the `Code:` line in `text` (a single line or a whole report; a dump wrapped onto following
 * lines of hex is joined, as scripts/decodecode does) and returns its bytes and marker.
 */
export function parseCodeLine(text: string): CodeLineParse {
  const problems: CodeLineProblem[] = [];
  const lines = text.split(/\r?\n/);
  const at = lines.findIndex((l) => /\bCode: /.test(l) || /\bCode:$/.test(l.trimEnd()));
  if (at < 0) return { value: undefined, problems: [{ code: 'no-code-line', message: 'no "Code:" line found' }] };
  let body = lines[at]!.slice(lines[at]!.indexOf('Code:') + 'Code:'.length).trim();
  const unavailable = /Unable to access opcode bytes at (?:RIP |PC )?(0x[0-9a-fA-F]+)/.exec(body);
  if (unavailable) {
    return {
      value: undefined,
      unavailableAt: BigInt(unavailable[1]!),
      problems: [
        {
          code: 'opcodes-unavailable',
          message: `the kernel could not read the code at ${unavailable[1]}; take the bytes from the binary instead (crashnav disasm -e vmlinux)`,
        },
      ],
    };
  }
  for (let i = at + 1; i < lines.length; i++) {
    const next = lines[i]!.trim();
    if (next === '' || !/^[0-9a-fA-F<>()\s]+$/.test(next)) break;
    body += ` ${next}`;
  }
  const tokens = body.split(/\s+/).filter((t) => t !== '');
  let unitSize: 1 | 2 | 4 | undefined;
  let markerOffset: number | undefined;
  const bytes: number[] = [];
  for (const token of tokens) {
    const m = hexToken.exec(token);
    const digits = m?.[2];
    const width = digits === undefined ? 0 : digits.length / 2;
    if (m === null || digits === undefined || (width !== 1 && width !== 2 && width !== 4)) {
      problems.push({ code: 'bad-token', message: `"${token}" is not a byte or word of code` });
      continue;
    }
    if (unitSize === undefined) unitSize = width;
    else if (width !== unitSize) {
      problems.push({ code: 'mixed-widths', message: `"${token}" has ${width} bytes where the line uses ${unitSize}` });
      continue;
    }
    if (m[1] !== '') {
      if (markerOffset !== undefined) problems.push({ code: 'several-markers', message: `second marker at "${token}" ignored` });
      else markerOffset = bytes.length;
    }
    const value = parseInt(digits, 16);
    for (let k = 0; k < width; k++) bytes.push((value >>> (8 * k)) & 0xff);
  }
  if (unitSize === undefined || bytes.length === 0) {
    problems.push({ code: 'empty', message: 'the "Code:" line holds no bytes' });
    return { value: undefined, problems };
  }
  return { value: { bytes: Uint8Array.from(bytes), unitSize, markerOffset }, problems };
}
