// The debug info one report is resolved with, the same for the CLI, the report and the server: the
// vmlinux when there is one, else an empty symbol map so that module frames still resolve through their
// `.ko`; the report's release and build string for the wrong-binary check; its KASLR slide.
import { type DebugFile, KernelSymbolizer, SystemMap } from '../debuginfo/index.js';
import type { CrashReport } from './model.js';

export const noVmlinuxName = 'vmlinux (not given)';

export function reportSymbolizer(report: CrashReport, options: { vmlinux?: DebugFile; moduleDirs: string[] }): KernelSymbolizer {
  const version = report.header['VERSION'] ?? report.lines.find((l) => / #\d+ .*Debian /.test(l));
  return new KernelSymbolizer({
    vmlinux: options.vmlinux ?? { systemMap: new SystemMap([]), name: noVmlinuxName },
    moduleDirs: options.moduleDirs,
    slide: report.kaslrOffset ?? 0n,
    report: { ...(report.release ? { release: report.release } : {}), ...(version ? { version } : {}) },
  });
}
