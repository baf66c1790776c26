// Every log dialect a user may hold a crash in, as a rewrite of a console log's kernel lines: util-linux
// dmesg, journalctl, syslog daemons, serial consoles, bug trackers and mail. Shared by the dialect and
// report-site tests.
import { kernelLines } from './frame-expectations.js';

const boot = Date.UTC(2026, 11, 4, 17, 0, 0);
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const wall = (s: number): Date => new Date(boot + s * 1000);
const micros = (s: number): string => pad(Math.round((s % 1) * 1e6) % 1e6, 6);
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const hms = (d: Date): string => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
const ymd = (d: Date): string => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
const syslogDate = (d: Date): string => `${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${hms(d)}`;
const journalDate = (d: Date): string => `${months[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${hms(d)}`;
const monotonic = (s: number): string => `[${s.toFixed(6).padStart(12, ' ')}]`;

export type Rewrite = (line: { seconds: number; message: string }, i: number) => string;

// One rewrite per dialect, as util-linux dmesg, journalctl, syslog daemons, serial consoles and trackers print.
export const dialects: Record<string, Rewrite> = {
  'dmesg (plain)': ({ seconds, message }) => `${monotonic(seconds)} ${message}`,
  'dmesg -T': ({ seconds, message }) => {
    const d = wall(seconds);
    return `[${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${hms(d)} ${d.getUTCFullYear()}] ${message}`;
  },
  'dmesg --time-format iso': ({ seconds, message }) => `${ymd(wall(seconds))}T${hms(wall(seconds))},${micros(seconds)}+00:00 ${message}`,
  'dmesg -d': ({ seconds, message }, i) => `[${seconds.toFixed(6).padStart(12, ' ')} <${(i === 0 ? 0 : 0.000385).toFixed(6).padStart(12, ' ')}>] ${message}`,
  'dmesg -x': ({ seconds, message }) => `kern  :warn  : ${monotonic(seconds)} ${message}`,
  'dmesg -x -T': ({ seconds, message }) => {
    const d = wall(seconds);
    return `kern  :warn  : [${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${hms(d)} ${d.getUTCFullYear()}] ${message}`;
  },
  'dmesg -x --time-format iso': ({ seconds, message }) => `kern  :warn  : ${ymd(wall(seconds))}T${hms(wall(seconds))},${micros(seconds)}+00:00 ${message}`,
  'dmesg -T -d': ({ seconds, message }) => {
    const d = wall(seconds);
    return `[${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${hms(d)} ${d.getUTCFullYear()} <    0.000385>] ${message}`;
  },
  'journalctl -o short': ({ seconds, message }) => `${journalDate(wall(seconds))} lab kernel: ${message}`,
  'journalctl -o short-iso': ({ seconds, message }) => `${ymd(wall(seconds))}T${hms(wall(seconds))}+0000 lab kernel: ${message}`,
  'journalctl -o short-precise': ({ seconds, message }) => `${journalDate(wall(seconds))}.${micros(seconds)} lab kernel: ${message}`,
  'journalctl -o short-monotonic': ({ seconds, message }) => `${monotonic(seconds)} lab kernel: ${message}`,
  'journalctl -o short-iso-precise': ({ seconds, message }) => `${ymd(wall(seconds))}T${hms(wall(seconds))}.${micros(seconds)}+0000 lab kernel: ${message}`,
  'journalctl -o short-unix': ({ seconds, message }) => `${(boot / 1000 + seconds).toFixed(6)} lab kernel: ${message}`,
  'journalctl -o short-full': ({ seconds, message }) => `${days[wall(seconds).getUTCDay()]} ${ymd(wall(seconds))} ${hms(wall(seconds))} UTC lab kernel: ${message}`,
  'journalctl -o cat': ({ message }) => message,
  'journalctl -o json': ({ seconds, message }) =>
    JSON.stringify({ __REALTIME_TIMESTAMP: String(boot * 1000 + Math.round(seconds * 1e6)), _TRANSPORT: 'kernel', PRIORITY: '4', MESSAGE: message, _HOSTNAME: 'lab' }),
  'journalctl -o json (MESSAGE as bytes)': ({ message }) => JSON.stringify({ _TRANSPORT: 'kernel', MESSAGE: [...Buffer.from(message, 'utf8')] }),
  'syslog with [ts]': ({ seconds, message }) => `${syslogDate(wall(seconds))} lab kernel: ${monotonic(seconds)} ${message}`,
  'syslog without [ts]': ({ seconds, message }) => `${syslogDate(wall(seconds))} lab kernel: ${message}`,
  'rsyslog ISO': ({ seconds, message }) => `${ymd(wall(seconds))}T${hms(wall(seconds))}.${micros(seconds)}+00:00 lab kernel: ${monotonic(seconds)} ${message}`,
  'serial console (\\r\\r\\n)': ({ seconds, message }) => `${monotonic(seconds)} ${message}\r\r`,
  'serial console (leading \\r)': ({ seconds, message }) => `\r${monotonic(seconds)} ${message}\r`,
  'mail quote "> "': ({ seconds, message }) => `> ${monotonic(seconds)} ${message}`,
  'mail quote ">> "': ({ seconds, message }) => `>> ${monotonic(seconds)} ${message}`,
  'mail quote ">" (bare)': ({ seconds, message }) => `>${monotonic(seconds)} ${message}`,
  'indented block with timestamps': ({ seconds, message }) => `    ${monotonic(seconds)} ${message}`,
  'indented block, no timestamps': ({ message }) => `    ${message}`,
  'tab-indented block, no timestamps': ({ message }) => `\t${message}`,
  'quoted, no timestamps': ({ message }) => `> ${message}`,
  'LAVA job log': ({ seconds, message }) => `- {"dt": "${ymd(wall(seconds))}T${hms(wall(seconds))}.${micros(seconds)}", "lvl": "target", "msg": "${monotonic(seconds)} ${message}"}`,
  'printk level and timestamp': ({ seconds, message }) => `<4>${monotonic(seconds)} ${message}`,
};

/** The dialect's rewrite of a log; a bug tracker's indented paste keeps prose around it unindented. */
export function rewrite(log: string, dialect: Rewrite): string {
  return ['Here is the crash:', '', ...kernelLines(log).map(dialect), '', 'Thanks.'].join('\n');
}

