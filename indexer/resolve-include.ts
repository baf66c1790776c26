// `#include` names onto tree files, in the kernel build's search order: the includer's own directory for
// quoted names, then arch/<arch>/include, its generated and uapi twins, include/, include/uapi.
import path from 'node:path';

export interface ResolveIncludeOptions {
  system: boolean;
  arch: string | undefined;
  exists: (relPath: string) => boolean;
}

export function resolveInclude(includer: string, written: string, options: ResolveIncludeOptions): string | undefined {
  const candidates: string[] = [];
  if (!options.system) candidates.push(path.posix.normalize(path.posix.join(path.posix.dirname(includer), written)));
  const arch = options.arch;
  if (arch) {
    candidates.push(`arch/${arch}/include/${written}`, `arch/${arch}/include/generated/${written}`, `arch/${arch}/include/uapi/${written}`, `arch/${arch}/include/generated/uapi/${written}`);
  }
  candidates.push(`include/${written}`, `include/uapi/${written}`, written);
  return candidates.find((c) => !c.startsWith('..') && options.exists(c));
}
