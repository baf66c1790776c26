// Where a location links to: a `file://` URL of the file on this machine by default, or a web view of the
// same tree from a template such as `https://elixir.bootlin.com/linux/v{version}/source/{path}#L{line}`.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface LinkTarget {
  /** Path relative to the source root, `/`-separated. */
  path: string;
  /** Absolute path on this machine, when the file exists here. */
  absPath?: string;
  /** The file is not the kernel tree's (a module's own source found beside its `.ko`): no web view has it. */
  outOfTree?: boolean;
  line: number;
}

/** Builds URLs for locations; `{version}` is the kernel version of the report (`6.1.187`). */
export function makeLinker(options: { template?: string; version?: string }): (target: LinkTarget) => string | undefined {
  const { template, version } = options;
  return (target) => {
    // A web view of the kernel tree has only the tree's files: a module's own source (a path outside the
    // tree, shown absolute) links to where it is on this machine, or nowhere.
    if (template === undefined || target.outOfTree || path.isAbsolute(target.path)) {
      return target.absPath ? `${pathToFileURL(target.absPath).href}#L${target.line}` : undefined;
    }
    return template.replace(/\{(version|path|line)\}/g, (_, key: string) =>
      key === 'version' ? (version ?? '') : key === 'path' ? encodeURI(target.path) : String(target.line),
    );
  };
}

/**
 * The upstream version a release string names, for web links: Debian's `#1 SMP Debian 6.1.187-1` build
 * string gives `6.1.187`; otherwise the leading `X.Y[.Z]` of the release (`6.2.0-rc7+` → `6.2`).
 */
export function upstreamVersion(release: string | undefined, buildString?: string): string | undefined {
  const debian = buildString && /Debian (\d+\.\d+(?:\.\d+)?)/.exec(buildString);
  if (debian) return debian[1];
  const m = release && /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) return undefined;
  return m[3] && m[3] !== '0' ? `${m[1]}.${m[2]}.${m[3]}` : `${m[1]}.${m[2]}`;
}
