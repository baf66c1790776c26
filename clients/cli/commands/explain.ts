// `crashnav explain [REPORT...]`: the decoded facts of each report in plain sentences.
import { parseArgs } from 'node:util';
import { explainFaultingInstruction, explainReport } from '../../../crash/index.js';
import { type CliCommand, exitStatusHelp, inputsOrStdin, parseCrashInput, writeLine } from '../command.js';

const usage = `usage: crashnav explain [--json] [REPORT...]

Explains each crash report found in REPORT (a console log, crash session, syzbot report or vmcore; - or no
REPORT with a report piped in reads standard input): its title, the decoded numbers (oops and
page-fault codes, taint, CS, ESR, fault address), the guilty frame and what to look at first.

${exitStatusHelp({ found: 'no crash report found in a REPORT' })}`;

export const command: CliCommand = {
  name: 'explain',
  summary: 'explain a crash report in plain sentences (decoded codes, taint, guilty frame)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, allowPositionals: true });
    let status = 0;
    for (const file of inputsOrStdin(positionals, io)) {
      const { reports, problems } = (await parseCrashInput(file, io, { quiet: values.json })).parsed;
      if (reports.length === 0) {
        writeLine(io.stderr, `${file}: no crash report found${problems.length ? ` (${problems.map((p) => p.message).join('; ')})` : ''}`);
        status = 1;
        continue;
      }
      for (const report of reports) {
        const facts = explainReport(report);
        const insn = await explainFaultingInstruction(report);
        if (insn) facts.splice(facts.length - 2, 0, insn);
        if (values.json) {
          writeLine(io.stdout, JSON.stringify({ file, line: report.startLine, facts }));
          continue;
        }
        writeLine(io.stdout, `${file}:${report.startLine}: ${report.title}`);
        for (const fact of facts.slice(1)) writeLine(io.stdout, `  ${fact.label}: ${fact.raw ? `${fact.raw} = ` : ''}${fact.text}`);
        writeLine(io.stdout);
      }
    }
    return status;
  },
};
