// The engines behind one configuration: an index per indexed source root, the frame resolver, and what is missing.
// Queries fan out over the roots (the kernel tree first) so a module's own tree answers beside the kernel's.
import type { CrashFrame, CrashReport } from '../../crash/index.js';
import type { CallSite, CodeIndex, FrameResolver, ResolvedFrame, SymbolDef, SymbolRef } from './ports.js';
import { SourceFiles } from './source-files.js';

export class Workspace {
  readonly sources: SourceFiles;
  private readonly resolved = new WeakMap<CrashFrame, Promise<ResolvedFrame>>();

  constructor(
    readonly roots: readonly string[],
    readonly indexes: readonly CodeIndex[],
    readonly resolver: FrameResolver,
    /** What is missing and how to provide it, one sentence each (shown as diagnostics and in status). */
    readonly missing: readonly string[],
    /** Source roots served without an index (not configured, not indexed before, not a kernel tree). */
    readonly unindexed: readonly string[] = [],
  ) {
    this.sources = new SourceFiles(roots);
  }

  /** The index of the root that holds `file`. */
  indexFor(file: string): CodeIndex | undefined {
    const root = this.sources.rootOf(file);
    return this.indexes.find((i) => i.root === root);
  }

  definitions(name: string, arch: string): SymbolDef[] {
    return this.indexes.flatMap((i) => i.definitions(name, arch));
  }

  declarations(name: string): SymbolDef[] {
    return this.indexes.flatMap((i) => i.declarations(name));
  }

  callers(name: string): CallSite[] {
    return this.indexes.flatMap((i) => i.callers(name));
  }

  callees(name: string): CallSite[] {
    return this.indexes.flatMap((i) => i.callees(name));
  }

  references(name: string): SymbolRef[] {
    return this.indexes.flatMap((i) => i.references(name));
  }

  searchSymbols(query: string, limit: number): SymbolDef[] {
    return this.indexes.flatMap((i) => i.searchSymbols(query, limit)).slice(0, limit);
  }

  /** A frame resolved once per parsed report (frames are identity-stable within one parse). */
  resolveFrame(report: CrashReport, frame: CrashFrame): Promise<ResolvedFrame> {
    let pending = this.resolved.get(frame);
    if (!pending) {
      pending = this.resolver.resolve(report, frame);
      this.resolved.set(frame, pending);
    }
    return pending;
  }

  close(): void {
    for (const index of this.indexes) index.close();
    this.resolver.close();
  }
}
