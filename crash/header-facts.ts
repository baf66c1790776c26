// The one-line facts of an oops (CPU/PID/Comm/taint, hardware, Oops code, #PF error code, fault address,
// CR2, ESR, Kernel Offset, kernel BUG/WARNING location, registers): each recognizer updates the report.
import type { CrashReport, ModuleEntry } from './model.js';

const hex = (s: string): bigint => BigInt('0x' + s);

const cpuLine =
  /^CPU: (\d+)(?: UID: \d+)? PID: (\d+) Comm: (.+?) (?:(Not tainted)|Tainted: ((?:[A-Z ])+?)) +(\S+) (#\S+.*)/;
const oldPidLine = /^Pid: (\d+), comm: (.+?) (?:(Not tainted)|Tainted: ([A-Z ]+?)) +(\S+) #/;
const hardware = /^Hardware name: (.+)$/;
const oops = /^(?:Oops: )?Oops: (?:(?:0x)?([0-9a-f]+) )?\[#(\d+)\](.*)$/;
const trapOops = /^(?:Oops: )?(general protection fault|invalid opcode|divide error|stack segment|int3|double fault|alignment check)(?:[^:]*): ([0-9a-f]{4}) \[#(\d+)\](.*)$/;
const armOops = /^Internal error: (?:Oops[^:]*|[^:]+): (?:0x)?([0-9a-f]+) \[#(\d+)\](.*)$/;
const pfCode = /^#PF: error_code\(0x([0-9a-f]+)\)/;
const faultAt = /(?:address: |dereference at |paging request at |page fault for address: |at virtual address |data access on read at |Unable to handle kernel [a-zA-Z ]+ at )(?:0x)?([0-9a-f]{8,16})\b/;
const cr2 = /\bCR2: ([0-9a-f]{8,16})\b/;
const esr = /^\s*ESR = 0x([0-9a-f]+)/;
const kaslr = /^Kernel Offset: (?:0x([0-9a-f]+)|disabled)(?: from 0x([0-9a-f]+))?/;
const bugAt = /^kernel BUG at ([^:]+):(\d+)!/;
const warnAt = /^WARNING: (?:CPU: \d+ PID: \d+ at )?(?:.* at )?(\S+?\.[chS]):(\d+)/;
// ARM32 prints `pc : [<c052fa4c>]    lr : [<c006d464>]    psr: 60000113` and `sp : cf9cfef0  ip : cf9cfe38`.
const registerPair = /\b([A-Z][A-Z0-9_]{1,7}|[xw]\d{1,2}|sp|lr|pc|r\d{1,2}|fp|ip|psr|pstate) ?: ?(?:\[<)?(?:[0-9a-f]{4}:)?([0-9a-f]{8,16})\b/g;
const registerLine = /^\s*(?:(?:R[A-Z0-9]{1,3}|E[A-Z]{2}|R\d{1,2}|FS|GS|CS|DS|ES|CR\d|DR\d|[xX]\d{1,2}|sp|lr|pc|r\d{1,2}|fp|ip|ORIG_RAX|ORIG_X0|PKRU|pstate|psr) *:)/;

export function isRegisterLine(text: string): boolean {
  return registerLine.test(text);
}

/** Registers of a dump line; the first value seen wins unless `overwrite` (a later context's own block). */
export function recordRegisters(text: string, into: Record<string, bigint>, options: { overwrite?: boolean } = {}): void {
  for (const m of text.matchAll(registerPair)) {
    if (options.overwrite || into[m[1]] === undefined) into[m[1]] = hex(m[2]);
  }
}

// Every fact line contains one of these: one test instead of fifteen on the lines that carry none.
const factWords = /CPU: |Pid: |Hardware name|Oops|fault|opcode|error|\[#\d|#PF|ESR|Kernel Offset|kernel BUG|WARNING|address|dereference|paging request|CR2/;

/** Applies every fact the line carries; returns true when it recognized one. */
export function recordHeaderFact(text: string, report: CrashReport): boolean {
  if (!factWords.test(text)) return false;
  let m = cpuLine.exec(text);
  if (m) {
    report.cpu ??= Number(m[1]);
    report.pid ??= Number(m[2]);
    report.comm ??= m[3];
    report.taint ??= m[4] ? '' : m[5].replace(/ /g, '');
    report.release ??= m[6];
    // lib/dump_stack.c ends the line with ` %20phN` (the vmlinux build-id) under CONFIG_STACKTRACE_BUILD_ID.
    const build = / ([0-9a-f]{40})$/.exec(m[7].trim());
    if (build) report.buildId ??= build[1];
    // The build string (`#1 SMP PREEMPT_DYNAMIC Debian 6.1.187-1`), as `uname -v` and crash's VERSION give it.
    report.header['VERSION'] ??= (build ? m[7].trim().slice(0, build.index) : m[7]).trim();
    return true;
  }
  if ((m = oldPidLine.exec(text))) {
    report.pid ??= Number(m[1]);
    report.comm ??= m[2];
    report.taint ??= m[3] ? '' : m[4].replace(/ /g, '');
    report.release ??= m[5];
    return true;
  }
  if ((m = hardware.exec(text))) {
    report.hardware ??= m[1].trim();
    return true;
  }
  if ((m = oops.exec(text)) || (m = trapOops.exec(text))) {
    const trap = m.length === 5 ? m[1] : 'oops';
    const [code, count, flags] = m.length === 5 ? [m[2], m[3], m[4]] : [m[1], m[2], m[3]];
    if (report.oopsCount === undefined) {
      if (code !== undefined) report.oopsCode = Number.parseInt(code, 16);
      report.oopsCount = Number(count);
      report.header.trap ??= trap;
      report.header.oopsFlags ??= flags.trim();
    }
    return true;
  }
  if ((m = armOops.exec(text))) {
    if (report.oopsCount === undefined) {
      report.oopsCount = Number(m[2]);
      report.header.oopsFlags ??= m[3].trim();
      if (m[1].length >= 8) report.esr ??= hex(m[1]);
      else report.oopsCode = Number.parseInt(m[1], 16);
    }
    return true;
  }
  if ((m = pfCode.exec(text))) {
    report.pageFaultCode ??= Number.parseInt(m[1], 16);
    return true;
  }
  if ((m = esr.exec(text))) {
    report.esr ??= hex(m[1]);
    return true;
  }
  if ((m = kaslr.exec(text))) {
    report.kaslrOffset ??= m[1] ? hex(m[1]) : 0n;
    if (m[2]) report.header.kernelBase ??= '0x' + m[2];
    return true;
  }
  if ((m = bugAt.exec(text)) || (m = warnAt.exec(text))) {
    report.bugAt ??= { file: m[1], line: Number(m[2]) };
  }
  if ((m = faultAt.exec(text)) && /BUG|Unable to handle|KASAN|fault/.test(text)) {
    report.faultAddress ??= hex(m[1]);
    return true;
  }
  if ((m = cr2.exec(text))) {
    report.registers.CR2 ??= hex(m[1]);
    report.faultAddress ??= hex(m[1]);
  }
  return false;
}

/** Whether a line is one of a report's header facts (CPU/PID/Comm, Hardware name, Oops code, ...), as pasted above a trace. */
export function isHeaderFactLine(text: string): boolean {
  const scratch = { header: {}, registers: {} } as CrashReport;
  return recordHeaderFact(text, scratch) || /^(?:Workqueue|Modules linked in): /.test(text);
}

const moduleToken = /^([A-Za-z0-9_\-]+)(?:\(([A-Z+\-]+)\))?$/;

/** `Modules linked in: a b(OE+) c` (and its continuation lines) into entries with their flags. */
export function parseModuleList(text: string): ModuleEntry[] {
  const out: ModuleEntry[] = [];
  for (const token of text.trim().split(/\s+/)) {
    const m = moduleToken.exec(token.replace(/^\[|\]$/g, ''));
    if (m) out.push({ name: m[1], flags: m[2] ?? '' });
  }
  return out;
}

const moduleContinuation = /^ [A-Za-z0-9_\-]+(?:\([A-Z+\-]+\))?(?: |$)/;

/** A line continuing `Modules linked in:` (a long list wraps onto lines of bare names). */
export function isModuleListContinuation(text: string): boolean {
  return moduleContinuation.test(text) && !text.includes('+0x');
}

/** Where on a line a decodable fact stands, relative to the line's text. */
export interface FactMatch {
  kind: 'oops' | 'page-fault' | 'cs' | 'taint' | 'esr';
  start: number;
  end: number;
  text: string;
  trap?: string;
  value?: string;
}

const trapNames = 'general protection fault|invalid opcode|divide error|stack segment|int3|double fault|alignment check';
const oopsSite = new RegExp(String.raw`(?:Oops|Internal error: [^:]+|(${trapNames})[^:]*): (?:0x)?([0-9a-f]+) \[#\d+\]`);
const pfSite = /#PF: error_code\(0x[0-9a-f]+\)(?: - .*)?/;
const taintSite = /\bTainted: [A-Z ]*[A-Z]|\bNot tainted\b/;
const esrSite = /\bESR = 0x[0-9a-f]+/;
const csSite = /\bCS: +([0-9a-f]{4})\b/;
// Every fact site contains one of these: one test instead of six on the lines that carry none.
const siteWords = /\[#\d|#PF|ainted|ESR|CS: /;

/**
 * The facts a line prints, with their columns in `text`. `kernelContext` says whether a register dump here
 * is the kernel's (before any user-space `RIP: 0033:` block): only then is its CS the report's.
 */
export function findFactSites(text: string, kernelContext: boolean): FactMatch[] {
  if (!siteWords.test(text)) return [];
  const out: FactMatch[] = [];
  const add = (kind: FactMatch['kind'], m: RegExpExecArray | null, extra: Partial<FactMatch> = {}): void => {
    if (m) out.push({ kind, start: m.index, end: m.index + m[0].length, text: m[0], ...extra });
  };
  const oops = oopsSite.exec(text);
  add('oops', oops, oops?.[1] ? { trap: oops[1] } : {});
  // arm64's `Internal error: Oops: 0000000096000004 [#1]` prints the ESR as its code.
  if (oops && oops[2].length >= 8 && oops[0].startsWith('Internal error')) add('esr', oops);
  add('page-fault', pfSite.exec(text));
  add('taint', taintSite.exec(text));
  add('esr', esrSite.exec(text));
  const cs = kernelContext ? csSite.exec(text) : null;
  add('cs', cs, cs ? { value: cs[1] } : {});
  return out;
}

/** `RIP: 0033:` (or any selector with RPL 3): the register block that follows is user space's. */
export function isUserModeRip(text: string): boolean {
  const m = /^\s*(?:RIP|EIP): ([0-9a-f]{4}):/.exec(text);
  return m !== null && (Number.parseInt(m[1], 16) & 3) === 3;
}
