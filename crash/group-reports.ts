// Clusters reports by signature and flags the faulty-hardware pattern: one machine whose crashes are
// all different (no signature repeats) points at memory or CPU trouble rather than one software bug.
import type { CrashReport } from './model.js';
import { reportSignature } from './signature.js';

export interface ReportCluster {
  signature: string;
  title: string;
  members: { file: string; report: number }[];
}

export interface Grouping {
  clusters: ReportCluster[];
  /** Machines (hardware name or input file) with several crashes and no signature shared between them. */
  suspectHardware: { machine: string; crashes: number }[];
}

export function groupReports(inputs: { file: string; reports: CrashReport[] }[]): Grouping {
  const bySignature = new Map<string, ReportCluster>();
  const byMachine = new Map<string, string[]>();
  for (const { file, reports } of inputs) {
    reports.forEach((report, i) => {
      const signature = reportSignature(report);
      let cluster = bySignature.get(signature);
      if (!cluster) {
        cluster = { signature, title: report.title, members: [] };
        bySignature.set(signature, cluster);
      }
      cluster.members.push({ file, report: i });
      const machine = report.hardware ?? report.header.NODENAME ?? file;
      byMachine.set(machine, [...(byMachine.get(machine) ?? []), signature]);
    });
  }
  const clusters = [...bySignature.values()].sort((a, b) => b.members.length - a.members.length);
  const suspectHardware = [...byMachine]
    .filter(([, sigs]) => sigs.length >= 3 && new Set(sigs).size === sigs.length)
    .map(([machine, sigs]) => ({ machine, crashes: sigs.length }));
  return { clusters, suspectHardware };
}
