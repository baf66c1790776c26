// `System.map` (`nm` output the kernel build leaves beside vmlinux): the fallback symbol table when
// there is no vmlinux with symbols at all. No sizes, so a function ends where the next symbol starts.

export interface MapSymbol {
  name: string;
  address: bigint;
  /** Distance to the next symbol (System.map has no sizes). */
  size: number;
  /** nm type letter: T/t text, D/d data... */
  kind: string;
}

export interface SystemMapParse {
  map: SystemMap;
  problems: { line: number; code: string }[];
}

export class SystemMap {
  private readonly code: MapSymbol[];
  private readonly byName = new Map<string, MapSymbol[]>();

  constructor(symbols: MapSymbol[]) {
    this.code = symbols.filter((s) => /[tTwW]/.test(s.kind)).sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    for (let i = 0; i < this.code.length; i++) {
      const s = this.code[i]!;
      const next = this.code[i + 1];
      s.size = next && next.address - s.address < 1n << 32n ? Number(next.address - s.address) : 0;
    }
    for (const s of symbols) {
      const list = this.byName.get(s.name);
      if (list) list.push(s);
      else this.byName.set(s.name, [s]);
    }
  }

  findByName(name: string): MapSymbol[] {
    return this.byName.get(name) ?? [];
  }

  findByAddress(address: bigint): MapSymbol | undefined {
    let lo = 0;
    let hi = this.code.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.code[mid]!.address <= address) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const s = this.code[at];
    return s && (s.size === 0 || address < s.address + BigInt(s.size)) ? s : undefined;
  }
}

/** Parses System.map text; malformed lines become problems, never exceptions. */
export function parseSystemMap(text: string): SystemMapParse {
  const symbols: MapSymbol[] = [];
  const problems: { line: number; code: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const m = /^([0-9a-fA-F]{1,16})\s+(\S)\s+(\S+)/.exec(line);
    if (!m) {
      problems.push({ line: i + 1, code: 'bad-line' });
      continue;
    }
    symbols.push({ name: m[3]!, address: BigInt('0x' + m[1]!), size: 0, kind: m[2]! });
  }
  return { map: new SystemMap(symbols), problems };
}
