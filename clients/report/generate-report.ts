// The report pipeline behind `crashnav report` and `crashnav demo`: parse the crash text, resolve every
// frame through the debug info at hand, gather the facts, and build one view per report found.
import { ResolutionSession, explainReport, isWrongBinaryWarning, parseCrashReport, readVmcoreInput, type CrashFrame, type CrashReport, type ParseResult } from '../../crash/index.js';
import type { DebugFile, DebuginfodClient, PathSubstitution } from '../../debuginfo/index.js';
import type { KernelIndex } from '../../indexer/index.js';
import { noVmlinuxNotice } from './debug-info-notice.js';
import { decodeCodeBytes, disassembleFrame } from './disassembly-input.js';
import { buildReportView } from './build-report-view.js';
import { CHighlighter } from './highlight-c.js';
import { frameInput, indexTree, openIndex } from './frame-context.js';
import type { Progress } from './progress.js';
import type { ReportInput, ResolvedFrameInput } from './report-input.js';
import type { ReportView } from './report-view.js';

export interface GenerateOptions {
  text: string;
  /** A memory dump read instead of `text`: the reports come from the `crash` session it gives. */
  vmcore?: string;
  /** The input's name, for the report and for parse problems. */
  source: string;
  root?: string;
  /** DWARF path prefixes mapped to local directories, like gdb's `set substitute-path` (`--subst-path FROM=TO`). */
  substitutions?: PathSubstitution[];
  /** More directories whose source files may be read (`--allow-path`). */
  allowPaths?: string[];
  vmlinux?: string;
  /** Directories searched for module `.ko` files. */
  modules?: string[];
  /**
   * Where distributions install debug info (`/usr/lib/debug`): without `vmlinux`, the one for the report's
   * release is looked for there, and its modules' debug files are searched after `modules`.
   */
  debugRoots?: string[];
  /** Index database of the root (default: the one `crashnav index` made for it, when it exists). */
  db?: string;
  /** Index the root into `db` first (incremental), as the demo does; otherwise an existing index is used. */
  buildIndex?: boolean;
  link?: string;
  progress?: Progress;
  /** The vmlinux's build-id (`--build-id`), over the report's own. */
  buildId?: string;
  /** Fetches debug files by build-id when nothing local has them (absent: offline). */
  debuginfod?: DebuginfodClient;
}

export interface GenerateResult {
  views: ReportView[];
  problems: string[];
}

/** Facts the summary shows on its own lines rather than in the decoded table. */
const summaryFacts = new Set(['title', 'kind', 'task', 'kernel', 'hardware', 'guilty frame']);

export interface ResolveResult {
  inputs: ReportInput[];
  /** Parse problems and unreadable binaries, one line each. */
  problems: string[];
}

/** Parses the text and resolves every report in it: what the view is built from. */
export async function resolveReports(options: GenerateOptions): Promise<ResolveResult> {
  const progress = options.progress;
  const problems: string[] = [];
  const inputs: ReportInput[] = [];
  let index: KernelIndex | undefined;
  if (options.buildIndex && options.root && options.db) {
    progress?.step(`indexing ${options.root}`);
    const built = await indexTree(options.root, options.db, (p) => progress?.step(`indexing ${options.root}: ${p.done}/${p.total} files`));
    index = built.index;
    problems.push(...built.problems);
  } else {
    index = openIndex(options);
  }
  const session = new ResolutionSession({
    ...(options.vmlinux ? { vmlinux: options.vmlinux } : {}),
    ...(options.debugRoots ? { debugRoots: options.debugRoots } : {}),
    moduleDirs: options.modules ?? [],
    sourceRoots: options.root ? [options.root] : [],
    substitutions: options.substitutions ?? [],
    allowPaths: options.allowPaths ?? [],
    ...(index ? { index } : {}),
    ...(options.buildId ? { buildId: options.buildId } : {}),
    ...(options.debuginfod ? { debuginfod: options.debuginfod } : {}),
  });
  const sourceText = { lineText: (name: string, line: number) => session.sourceLines(name)?.[line - 1] };
  try {
    const parsed = await parseInput(options, session, problems);
    problems.push(...parsed.problems.map((p) => `${p.source}:${p.line}: ${p.message}`));
    for (const report of parsed.reports) {
      progress?.step('resolving frames');
      const resolved = await session.resolve(report);
      const haveVmlinux = resolved.vmlinux !== undefined;
      const stacks = resolved.stacks.map((frames, si) => ({
        context: report.stacks[si]!.context,
        frames: frames.map((r) => frameInput(r, { haveVmlinux })),
      }));
      const notices: string[] = resolved.warnings.filter((w) => !isWrongBinaryWarning(w)).map((w) => w.message);
      if (options.root && !index) {
        notices.push(`${options.root} has no source index, so frames carry no definitions or callers: run crashnav index --root ${options.root} once (or give --db FILE).`);
      }
      const kernelFrames = report.stacks.some((s) => s.frames.some((f) => f.symbol && !f.module));
      const how = { 'build-id': `found by its build-id`, release: `found for release ${report.release}`, debuginfod: 'fetched by its build-id from debuginfod', given: '' };
      if (resolved.vmlinux && resolved.vmlinuxFrom && resolved.vmlinuxFrom !== 'given') notices.push(`Kernel frames resolved with ${resolved.vmlinux}, ${how[resolved.vmlinuxFrom]}.`);
      if (!haveVmlinux && kernelFrames) notices.push(noVmlinuxNotice(report.release));
      const input: ReportInput = {
        source: options.source,
        report,
        stacks,
        facts: explainReport(report)
          .filter((f) => !summaryFacts.has(f.label))
          .map((f) => ({ label: f.label, raw: f.raw, meaning: f.text })),
        notices,
        wrongBinary: resolved.warnings.filter(isWrongBinaryWarning).map((w) => w.message),
        generator: `Generated by crashnav from ${options.source}.`,
        code: await decodeCodeBytes(report),
      };
      const target = await disassemblyTarget(report, stacks, session);
      if (target) {
        progress?.step(`disassembling ${target.frame.symbol}`);
        try {
          input.disassembly = await disassembleFrame(target.file, target.frame, sourceText, (name) => session.mapSource(name));
        } catch (err) {
          problems.push(`cannot disassemble ${target.frame.symbol}: ${(err as Error).message}`);
        }
      }
      inputs.push(input);
    }
  } finally {
    index?.close();
    await session.close();
  }
  return { inputs, problems };
}

/** The reports of the text, or of the memory dump with what it lacks (no vmlinux for it) as problems. */
async function parseInput(options: GenerateOptions, session: ResolutionSession, problems: string[]): Promise<ParseResult> {
  const progress = options.progress;
  if (options.vmcore === undefined) {
    progress?.step('parsing the crash report');
    return parseCrashReport(options.text, { source: options.source });
  }
  progress?.step(`reading ${options.source}`);
  const input = await readVmcoreInput(options.vmcore, session, { moduleDirs: options.modules ?? [], ...(progress ? { onStep: (step: string) => progress.step(step) } : {}) });
  if (!input) throw new Error(`${options.source}: not a memory dump`);
  problems.push(...input.warnings.map((w) => `${options.source}: ${w.message}`));
  return input.parsed;
}

/**
 * The function to disassemble: the faulting one (the RIP/pc frame) when it resolved in a binary at hand,
 * since only there do the report's registers hold the values the marked instruction used; else the
 * guilty frame, marked at its call.
 */
async function disassemblyTarget(
  report: CrashReport,
  stacks: ReportInput['stacks'],
  session: ResolutionSession,
): Promise<{ frame: CrashFrame; file: DebugFile } | undefined> {
  const found = (f: ResolvedFrameInput | undefined) => (f && f.symbol && (f.provenance === 'dwarf' || f.provenance === 'symtab') ? f : undefined);
  const faulting = stacks.flatMap((s) => s.frames).find((f) => f.isFault && found(f));
  const guilty = report.guilty ? found(stacks[report.guilty.stack]?.frames[report.guilty.frame]) : undefined;
  for (const frame of [faulting, guilty]) {
    const file = frame ? await session.binaryOf(report, frame) : undefined;
    if (frame && file) return { frame, file };
  }
  return undefined;
}

export async function generateReport(options: GenerateOptions): Promise<GenerateResult> {
  const { inputs, problems } = await resolveReports(options);
  options.progress?.step('reading sources');
  const highlighter = new CHighlighter();
  const views = inputs.map((input) => buildReportView(input, { root: options.root, link: options.link, highlighter }));
  return { views, problems };
}
