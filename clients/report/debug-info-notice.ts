// What a report says when no vmlinux with debug info was found, and how to get one for the report's kernel:
// the distribution's debug package when debuginfo/ recognises the release, else the generic ways.
import { debugPackageOf } from '../../debuginfo/index.js';

/** How to get the vmlinux with debug info of a kernel of `release` (unknown: the generic ways). */
export function debugInfoHint(release: string | undefined): string {
  const generic =
    `fetch it by the kernel's build id with debuginfod-find debuginfo <build-id>, or, for a kernel you built, ` +
    `use the vmlinux of that build (configured with CONFIG_DEBUG_INFO); pass the file with --vmlinux.`;
  const pkg = release === undefined ? undefined : debugPackageOf(release);
  if (pkg) return `To resolve them, install the kernel's debug symbols (${pkg.distribution}: ${pkg.install}, then --vmlinux ${pkg.vmlinux}) or ${generic}`;
  return `To resolve them, ${generic}`;
}

/** The report's notice when kernel frames were found but no vmlinux with debug info was given or found. */
export function noVmlinuxNotice(release: string | undefined): string {
  return (
    `No vmlinux with debug info was given: module frames are resolved through their .ko files, but the ` +
    `kernel's own frames are shown by their definition only (from the source index, when it has them), not at ` +
    `the line that was executing. ${debugInfoHint(release)}`
  );
}
