// `crashnav demo`: the bundled example end to end, offline, in seconds: index examples/modules, parse the real
// null_pointer oops captured from Debian's 6.1 kernel under qemu, resolve it through the module's DWARF to
// the `*p = 1;` line, print the text report and write the HTML one outside the repository.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateReport, renderHtml, renderText, startProgress } from '../../report/index.js';
import { type CliCommand, writeLine } from '../command.js';

const examplesOops = 'examples/oopses/null_pointer.log';

const usage = `usage: crashnav demo [-o FILE]

Runs the bundled example offline: indexes examples/modules/, parses the real null_pointer oops in
examples/ (a Debian 6.1 kernel in qemu, a module writing through a NULL global), resolves it through
the module's .ko debug info to the faulting line, prints the text report and writes the HTML report.

options:
  -o, --output FILE  where to write the HTML report (default: crashnav-demo/null_pointer.html
                     under the system's temporary directory)`;

/** The checkout this command runs from: the nearest folder above it holding crashnav's package.json. */
async function findRepoRoot(): Promise<string> {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(await readFile(pkg, 'utf8')) as { name?: string }).name === 'crashnav') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the crashnav checkout (package.json) above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export const command: CliCommand = {
  name: 'demo',
  summary: 'the bundled null-pointer example, end to end, offline (text + HTML report)',
  usage,
  async run(argv, io) {
    const { values } = parseArgs({ args: argv, options: { output: { type: 'string', short: 'o' } } });
    const started = performance.now();
    const repo = await findRepoRoot();
    const modules = path.join(repo, 'examples', 'modules');
    const oops = path.join(repo, examplesOops);
    const text = await readFile(oops, 'utf8');
    const progress = startProgress(io.stderr, { enabled: io.stderrIsTty === true });
    let result;
    try {
      const db = path.join(os.tmpdir(), 'crashnav-demo', 'examples-modules.db');
      await mkdir(path.dirname(db), { recursive: true });
      result = await generateReport({ text, source: path.relative(repo, oops), root: modules, modules: [modules], db, buildIndex: true, progress });
    } finally {
      progress.done();
    }
    const view = result.views[0];
    if (!view) throw new Error(`no crash report found in ${oops}: ${result.problems.join('; ')}`);
    const htmlFile = values.output ? path.resolve(io.cwd, values.output) : path.join(os.tmpdir(), 'crashnav-demo', 'null_pointer.html');
    await mkdir(path.dirname(htmlFile), { recursive: true });
    await writeFile(htmlFile, renderHtml(view));
    io.stdout.write(renderText(view));
    writeLine(io.stdout);
    writeLine(io.stdout, `HTML report: ${htmlFile}`);
    writeLine(io.stdout, `(demo took ${((performance.now() - started) / 1000).toFixed(1)} s; try: npx crashnav report --root examples/modules --modules examples/modules --format md ${path.relative(repo, oops)})`);
    return 0;
  },
};
