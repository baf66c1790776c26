// The server's settings: one schema, a default and a comment per key. They arrive as `initializationOptions`
// and as the `crashnav` section of `workspace/configuration`; a key with an invalid value keeps its previous one.
import os from 'node:os';
import path from 'node:path';

export interface PathSubstitution {
  from: string;
  to: string;
}

export interface Settings {
  /** Source trees to index and navigate; the first is the kernel tree. Empty (the default): the workspace folders. */
  sourceRoots: string[];
  /** Index database of the first source root; other roots use their default `<root>/.crashnav/index.db`. */
  database?: string;
  /** The vmlinux with DWARF for the reports' kernel (e.g. Debian's `/usr/lib/debug/boot/vmlinux-<release>`). */
  vmlinux?: string;
  /** Directories searched for module `.ko` files (with debug info) by module name. */
  moduleDirs: string[];
  /** Root of separate debug files (`.build-id/`, `boot/vmlinux-<release>`, `lib/modules/<release>/`). */
  debugRoot: string;
  /** Prefix rewrites for source paths recorded in DWARF, like gdb's `set substitute-path`. */
  substitutePaths: PathSubstitution[];
  /** Kernel architecture directory (`x86`, `arm64`, ...) for ranking definitions; default: the report's, else x86. */
  arch?: string;
}

export const settingKeys = [
  'sourceRoots',
  'database',
  'vmlinux',
  'moduleDirs',
  'debugRoot',
  'substitutePaths',
  'arch',
] as const satisfies readonly (keyof Settings)[];

export function defaultSettings(): Settings {
  return {
    sourceRoots: [],
    moduleDirs: [],
    debugRoot: '/usr/lib/debug',
    substitutePaths: [],
  };
}

export interface SettingsUpdate {
  settings: Settings;
  /** One line per rejected key: `crashnav.vmlinux: expected a path string, got 42 (keeping the previous value)`. */
  problems: string[];
}

type Parsed<T> = { ok: true; value: T } | { ok: false; expected: string };

function expandPath(value: string, base: string): string {
  const home = value === '~' || value.startsWith('~/') ? os.homedir() + value.slice(1) : value;
  return path.resolve(base, home);
}

function parsePath(value: unknown, base: string): Parsed<string> {
  if (typeof value !== 'string' || value.trim() === '') return { ok: false, expected: 'a path string' };
  return { ok: true, value: expandPath(value.trim(), base) };
}

function parsePaths(value: unknown, base: string): Parsed<string[]> {
  if (!Array.isArray(value)) return { ok: false, expected: 'an array of path strings' };
  const out: string[] = [];
  for (const item of value) {
    const p = parsePath(item, base);
    if (!p.ok) return { ok: false, expected: 'an array of path strings' };
    out.push(p.value);
  }
  return { ok: true, value: out };
}

function parseSubstitutions(value: unknown): Parsed<PathSubstitution[]> {
  const expected = 'an array of {"from": string, "to": string}';
  if (!Array.isArray(value)) return { ok: false, expected };
  const out: PathSubstitution[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null) return { ok: false, expected };
    const { from, to } = item as Record<string, unknown>;
    if (typeof from !== 'string' || from === '' || typeof to !== 'string') return { ok: false, expected };
    out.push({ from, to });
  }
  return { ok: true, value: out };
}

function parseArch(value: unknown): Parsed<string> {
  if (typeof value !== 'string' || !/^[a-z][a-z0-9_]*$/.test(value)) {
    return { ok: false, expected: 'a kernel arch name such as "x86" or "arm64"' };
  }
  return { ok: true, value };
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? text.slice(0, 57) + '...' : text;
}

/**
 * Applies the keys present in `raw` over `previous`. Absent and null keys leave the previous value alone, so
 * `initializationOptions` and `workspace/configuration` layer; relative paths resolve against `base`.
 */
export function applySettings(previous: Settings, raw: unknown, base: string): SettingsUpdate {
  const problems: string[] = [];
  // Lua clients (Neovim) encode an empty table as `[]`: no settings, not a wrong type.
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) return { settings: previous, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { settings: previous, problems: [`crashnav: settings must be an object, got ${describe(raw)}`] };
  }
  const input = raw as Record<string, unknown>;
  const next: Settings = { ...previous };
  const take = <K extends keyof Settings>(key: K, parse: (v: unknown) => Parsed<NonNullable<Settings[K]>>): void => {
    const value = input[key];
    if (value === undefined || value === null) return;
    const parsed = parse(value);
    if (parsed.ok) next[key] = parsed.value;
    else problems.push(`crashnav.${key}: expected ${parsed.expected}, got ${describe(value)} (keeping the previous value)`);
  };
  take('sourceRoots', (v) => parsePaths(v, base));
  take('database', (v) => parsePath(v, base));
  take('vmlinux', (v) => parsePath(v, base));
  take('moduleDirs', (v) => parsePaths(v, base));
  take('debugRoot', (v) => parsePath(v, base));
  take('substitutePaths', parseSubstitutions);
  take('arch', parseArch);
  for (const key of Object.keys(input)) {
    if (!(settingKeys as readonly string[]).includes(key)) problems.push(`crashnav.${key}: unknown setting (ignored)`);
  }
  return { settings: next, problems };
}
