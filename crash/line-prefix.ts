// Strips what loggers put before a kernel message: printk levels, timestamps, caller ids, syslog and
// journalctl headers, `dmesg -x` facility columns, mail quoting. The caller id is kept: it separates
// the lines of interleaved CPUs/tasks.

export interface StrippedLine {
  /** 1-based line number in the input (0 when the caller did not say). */
  lineNo: number;
  text: string;
  /** `T81` or `C1` from CONFIG_PRINTK_CALLER, when present. */
  caller?: string;
  /** True when a kernel timestamp was found (the line surely came from the kernel log). */
  timestamped: boolean;
}

const printkLevel = /^<(\d)>/;
const dropped = /^\*\* \d+ printk messages dropped \*\*\s?/;
const syslog = /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:?\d\d|Z)?) \S+ (?:kernel|vmunix)(?:\[\d+\])?: ?/;
const dmesgFacility = /^(?:kern|user|daemon|syslog) *:(?:emerg|alert|crit|err|warn|notice|info|debug) *: /;
const timestamp = /^\[ *\d+\.\d+\]/;
const callerId = /^ ?\[ *([TC]\d+)\]/;
const loginGlue = /^[^\[]{1,80}?[:>] (?=(?:<\d>)?\[ *\d+\.\d+\])|^\S+ login: (?=\S)/;
const netconsole = /^([TC]\d+)(?:,[^;]*)?;/;
const tracePrefix = /^\s*\d+\.\d{6}\s+([TC]\d+) /;
const fuzzerLog = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (?=BUG|WARNING|INFO|KASAN|panic|fatal)/;
// LAVA and other test harnesses put an ISO time before `dmesg -x` lines.
const isoStamp = /^\s*\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\s+(?=kern|user|daemon|syslog)|^\d\d:\d\d:\d\d\s+(?=\[)/;
// /dev/kmsg records (`4,1258,95314275,-,caller=T0;`), as some syslog setups forward them.
const kmsgRecord = /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ )?\d+,\d+,\d+,[^,;]*(?:,caller=([TC]\d+))?[^;]*;/;
const mailQuote = /^(?:> ?)+(?=\S|$)/;

export function stripLinePrefix(line: string, lineNo = 0): StrippedLine {
  let text = line.endsWith('\r') ? line.slice(0, -1) : line;
  let caller: string | undefined;
  let timestamped = false;
  // One pass in wrapping order (quote > fuzzer/login glue > syslog > level > netconsole > timestamp > caller);
  // the level and timestamp are tried twice since `<4>[ts]` and `[ts] <4>` both occur.
  if (text.startsWith('>')) text = text.replace(mailQuote, '');
  if (!/^[[<]/.test(text)) {
    text = text.replace(isoStamp, '').replace(fuzzerLog, '').replace(dropped, '').replace(loginGlue, '').replace(syslog, '').replace(dmesgFacility, '');
  }
  for (let pass = 0; pass < 2; pass++) {
    if (text.startsWith('<')) text = text.replace(printkLevel, '');
    const nc = pass === 0 ? (netconsole.exec(text) ?? tracePrefix.exec(text) ?? kmsgRecord.exec(text)) : null;
    if (nc) {
      caller = nc[1] ?? caller;
      timestamped = true;
      text = text.slice(nc[0].length);
    }
    const ts = text.startsWith('[') ? timestamp.exec(text) : null;
    if (!ts) continue;
    timestamped = true;
    text = text.slice(ts[0].length);
    const c = callerId.exec(text);
    if (c) {
      caller = c[1];
      text = text.slice(c[0].length);
    }
    // One space separates the prefix from the message; further indentation belongs to the message.
    if (text.startsWith(' ')) text = text.slice(1);
  }
  return { lineNo, text, caller, timestamped };
}
