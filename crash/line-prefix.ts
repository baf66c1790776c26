// The one owner of what loggers put before a kernel message: printk levels, timestamps of every dmesg
// dialect (`-T`, `--time-format iso`, `-d`, `-x`), caller ids, syslog and journalctl headers (`short`,
// `short-iso`, `short-precise`, `short-monotonic`, `short-iso-precise`, `json`), LAVA job logs, serial consoles' stray
// carriage returns, bug-tracker and mail quoting. The caller id is kept: it separates the lines of
// interleaved CPUs/tasks.

export interface StrippedLine {
  /** 1-based line number in the input (0 when the caller did not say). */
  lineNo: number;
  text: string;
  /** `T81` or `C1` from CONFIG_PRINTK_CALLER, when present. */
  caller?: string;
  /** True when a kernel timestamp was found (the line surely came from the kernel log). */
  timestamped: boolean;
  /**
   * 0-based column (UTF-16 units) of `text` in the line as given, when `text` is a slice of it; undefined
   * when the message was decoded (journalctl JSON) and has no column of its own.
   */
  column?: number;
}

const printkLevel = /^<(\d)>/;
const dropped = /^\*\* \d+ printk messages dropped \*\*\s?/;
// syslog and journalctl's `short*` modes: `Dec  4 17:00:01[.123456] host kernel: `, an ISO or a Unix time,
// `short-full`'s `Thu 2026-12-04 17:00:01 UTC`.
const syslog =
  /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{9,}\.\d+|[A-Z][a-z]{2} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? [A-Z]{2,5}|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:[+-]\d\d:?\d\d|Z)?) \S+ (?:kernel|vmunix)(?:\[\d+\])?: ?/;
// journalctl `-o short-monotonic`: the kernel timestamp, then host and identifier.
const monotonicHost = /^[a-z0-9][\w.-]* (?:kernel|vmunix)(?:\[\d+\])?: ?/;
const dmesgFacility = /^(?:kern|user|daemon|syslog) *:(?:emerg|alert|crit|err|warn|notice|info|debug) *: /;
// `[    4.007424]`, `dmesg -d`'s `[    4.007424 <    0.000385>]`, `dmesg -T`'s `[Thu Dec  4 17:00:01 2026]`.
const timestamp = /^\[ *(?:\d+\.\d+|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4})(?: <[ \d.]+>)?\]/;
// `dmesg --time-format iso`: `2026-12-04T17:00:01,123456+00:00 `.
const isoDmesg = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d+(?:[+-]\d\d:\d\d|Z) /;
const callerId = /^ ?\[ *([TC]\d+)\]/;
const loginGlue = /^[^\[]{1,80}?[:>] (?=(?:<\d>)?\[ *\d+\.\d+\])|^\S+ login: (?=\S)/;
const netconsole = /^([TC]\d+)(?:,[^;]*)?;/;
const tracePrefix = /^\s*\d+\.\d{6}\s+([TC]\d+) /;
const fuzzerLog = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (?=BUG|WARNING|INFO|KASAN|panic|fatal)/;
// LAVA and other test harnesses put an ISO time before `dmesg -x` lines.
const isoStamp = /^\s*\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\s+(?=kern|user|daemon|syslog)|^\d\d:\d\d:\d\d\s+(?=\[)/;
// /dev/kmsg records (`4,1258,95314275,-,caller=T0;`), as some syslog setups forward them.
const kmsgRecord = /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ )?\d+,\d+,\d+,[^,;]*(?:,caller=([TC]\d+))?[^;]*;/;
// `> `, `>> `, `> > `: the quote marks and one space; a quoted trace line keeps its own leading space. A `>`
// before more blanks and a number is crash's mark of an active task in `ps`, not a quote.
const lavaRecord = /^- \{"dt": "[^"]*", "lvl": "\w+", "msg": "(?=\[)/;
const mailQuote = /^(?:> ?)+(?=\S|$)|^>(?: ?>)* (?= [^\s\d])/;

/** A `journalctl -o json` record's MESSAGE (a string, or an array of bytes when it is not valid UTF-8). */
function journalMessage(line: string): string | undefined {
  if (!line.startsWith('{') || !line.includes('"MESSAGE"')) return undefined;
  try {
    const record = JSON.parse(line) as { MESSAGE?: unknown };
    const message = record.MESSAGE;
    if (typeof message === 'string') return message;
    if (Array.isArray(message) && message.every((b) => typeof b === 'number')) return Buffer.from(message as number[]).toString('utf8');
  } catch {
    // Not JSON after all: the line stays as it is.
  }
  return undefined;
}

export function stripLinePrefix(line: string, lineNo = 0): StrippedLine {
  const journal = journalMessage(line);
  if (journal !== undefined) {
    const inner = stripLinePrefix(journal.replace(/\r?\n$/, ''), lineNo);
    return { ...inner, timestamped: true, column: undefined };
  }
  // Serial consoles double carriage returns and start lines with them.
  let start = 0;
  while (line.charCodeAt(start) === 13) start++;
  let end = line.length;
  while (end > start && line.charCodeAt(end - 1) === 13) end--;
  let text = start > 0 || end < line.length ? line.slice(start, end) : line;
  let caller: string | undefined;
  let timestamped = false;
  // One pass in wrapping order (quote > fuzzer/login glue > syslog > level > netconsole > timestamp > caller);
  // the level and timestamp are tried twice since `<4>[ts]` and `[ts] <4>` both occur.
  if (text.startsWith('>')) text = text.replace(mailQuote, '');
  if (!/^[[<]/.test(text)) {
    text = text.replace(lavaRecord, '').replace(isoStamp, '').replace(fuzzerLog, '').replace(dropped, '').replace(loginGlue, '');
    // A syslog `kernel:` line and an ISO-stamped dmesg line surely came from the kernel log.
    const header = syslog.exec(text) ?? isoDmesg.exec(text);
    if (header) {
      text = text.slice(header[0].length);
      timestamped = true;
    }
    const facility = dmesgFacility.exec(text);
    if (facility) {
      text = text.slice(facility[0].length);
      // `dmesg -x --time-format iso`: the facility columns come first.
      const iso = isoDmesg.exec(text);
      if (iso) {
        text = text.slice(iso[0].length);
        timestamped = true;
      }
    }
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
    const host = pass === 0 ? monotonicHost.exec(text.slice(1)) : null;
    if (host && text.startsWith(' ')) {
      text = text.slice(1 + host[0].length);
      continue;
    }
    const c = callerId.exec(text);
    if (c) {
      caller = c[1];
      text = text.slice(c[0].length);
    }
    // One space separates the prefix from the message; further indentation belongs to the message.
    if (text.startsWith(' ')) text = text.slice(1);
  }
  // LAVA job logs carry each console line as `- {"dt": "…", "lvl": "target", "msg": "[ts] …"}`.
  let suffix = 0;
  if (timestamped && text.endsWith('"}')) {
    suffix = 2;
    text = text.slice(0, -2);
  }
  return { lineNo, text, caller, timestamped, column: end - suffix - text.length };
}
