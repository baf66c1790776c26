// `crashnav group [FILE...]`: clusters crash reports by signature, with counts, and flags machines whose
// crashes share nothing (the faulty-hardware pattern).
import { parseArgs } from 'node:util';
import { groupReports } from '../../../crash/index.js';
import { type CliCommand, exitStatusHelp, inputsOrStdin, parseCrashInput, writeLine } from '../command.js';

const usage = `usage: crashnav group [--json] [FILE...]

Reads every crash report in FILES, groups them by signature (kind, guilty function and the next
non-generic frames, independent of addresses and offsets) and prints each group with its count,
largest first. A machine with three or more crashes that share no signature is flagged: that
pattern points at faulty memory or CPU rather than at one software bug. A FILE that cannot be read
stops the command before anything is printed. - or no FILE with a log piped in reads standard input.

${exitStatusHelp({ found: 'no crash report in any FILE' })}`;

export const command: CliCommand = {
  name: 'group',
  summary: 'cluster crash reports by signature; flag the faulty-hardware pattern',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, allowPositionals: true });
    const inputs = [];
    for (const file of inputsOrStdin(positionals, io)) inputs.push({ file, reports: (await parseCrashInput(file, io, { quiet: values.json })).parsed.reports });
    const grouping = groupReports(inputs);
    const status = grouping.clusters.length === 0 ? 1 : 0;
    if (values.json) {
      writeLine(io.stdout, JSON.stringify(grouping));
      return status;
    }
    for (const cluster of grouping.clusters) {
      writeLine(io.stdout, `${String(cluster.members.length).padStart(5)}  ${cluster.title}`);
      writeLine(io.stdout, `       signature: ${cluster.signature}`);
      for (const m of cluster.members.slice(0, 5)) writeLine(io.stdout, `       ${m.file}${m.report ? ` (report ${m.report + 1})` : ''}`);
      if (cluster.members.length > 5) writeLine(io.stdout, `       ... and ${cluster.members.length - 5} more`);
    }
    const total = grouping.clusters.reduce((n, c) => n + c.members.length, 0);
    writeLine(io.stdout, `${total} reports in ${grouping.clusters.length} groups`);
    for (const s of grouping.suspectHardware) {
      writeLine(io.stdout, `suspect hardware: ${s.machine}: ${s.crashes} crashes, no two alike (check memory and CPU)`);
    }
    return status;
  },
};
