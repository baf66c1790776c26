// The server's settings: one schema (key, JSON type, default, description, and how a value is checked) that
// the server validates with and that the VS Code manifest's `contributes.configuration` and the README's
// settings table are tested against. They arrive as `initializationOptions` and as the `crashnav` section
// of `workspace/configuration`; a key with an invalid value keeps its previous one.
import os from 'node:os';
import path from 'node:path';

export interface PathSubstitution {
  from: string;
  to: string;
}

/** Each key's meaning, type and default: `settingsSchema` below. */
export interface Settings {
  sourceRoots: string[];
  database?: string;
  vmlinux?: string;
  moduleDirs: string[];
  debugRoot: string;
  substitutePaths: PathSubstitution[];
  arch?: string;
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

/** A JSON Schema type as the VS Code manifest writes it; an optional setting also takes `null` (unset). */
export type JsonType = 'string' | 'array' | ['string', 'null'];

export interface SettingSchema<K extends keyof Settings> {
  type: JsonType;
  /** The items of an array, as a JSON Schema. */
  items?: Record<string, unknown>;
  /** The JSON default (`null`: unset, worked out as `shownDefault` says). */
  default: Settings[K] | null;
  /** Markdown, one or two sentences (the manifest's `markdownDescription`, the README's meaning). */
  description: string;
  /** The default as the README states it, when it is worked out rather than a value. */
  shownDefault?: string;
  /** Checks a value (paths resolve against the workspace and `~`). */
  parse(value: unknown, base: string): Parsed<NonNullable<Settings[K]>>;
}

const pathItems = { type: 'string' };

export const settingsSchema: { [K in keyof Settings]-?: SettingSchema<K> } = {
  sourceRoots: {
    type: 'array',
    items: pathItems,
    default: [],
    description: 'Source trees to index and navigate; the first is the kernel tree. Empty: the workspace folders.',
    shownDefault: 'the workspace folders (indexed when they are kernel trees or already indexed)',
    parse: parsePaths,
  },
  database: {
    type: ['string', 'null'],
    default: null,
    description: 'Index database of the first source root (default `<root>/.crashnav/index.db`; set it for a read-only tree).',
    shownDefault: '`<root>/.crashnav/index.db` when you own the root and may write it, else `$XDG_CACHE_HOME/crashnav/<name>-<hash>/index.db`',
    parse: parsePath,
  },
  vmlinux: {
    type: ['string', 'null'],
    default: null,
    description: "The `vmlinux` with DWARF of the crashed kernel, e.g. `/usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-amd64` from Debian's `linux-image-*-dbg`.",
    shownDefault: '`<debugRoot>/boot/vmlinux-<release>`',
    parse: parsePath,
  },
  moduleDirs: {
    type: 'array',
    items: pathItems,
    default: [],
    description: 'Directories searched for module `.ko` files (with debug info) by module name.',
    shownDefault: '`[]` (plus `<debugRoot>/lib/modules/<release>`)',
    parse: parsePaths,
  },
  debugRoot: {
    type: 'string',
    default: '/usr/lib/debug',
    description: 'Root of separate debug files (`.build-id/`, `boot/vmlinux-<release>`, `lib/modules/<release>/`).',
    parse: parsePath,
  },
  substitutePaths: {
    type: 'array',
    items: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } }, required: ['from', 'to'] },
    default: [],
    description: "Rewrites of source path prefixes recorded in DWARF, like gdb's `set substitute-path`.",
    parse: parseSubstitutions,
  },
  arch: {
    type: ['string', 'null'],
    default: null,
    description: "Kernel architecture for ranking definitions. Default: the report's, else `x86`.",
    shownDefault: "the report's, else `x86`",
    parse: parseArch,
  },
};

export const settingKeys = Object.keys(settingsSchema) as (keyof Settings)[];

export function defaultSettings(): Settings {
  const settings: Record<string, unknown> = {};
  for (const key of settingKeys) {
    const value = settingsSchema[key].default;
    if (value !== null) settings[key] = structuredClone(value);
  }
  return settings as unknown as Settings;
}

export interface SettingsUpdate {
  settings: Settings;
  /** One line per rejected key: `crashnav.vmlinux: expected a path string, got 42 (keeping the previous value)`. */
  problems: string[];
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
  const take = <K extends keyof Settings>(key: K): void => {
    const value = input[key];
    if (value === undefined || value === null) return;
    const parsed = (settingsSchema[key] as SettingSchema<K>).parse(value, base);
    if (parsed.ok) next[key] = parsed.value;
    else problems.push(`crashnav.${key}: expected ${parsed.expected}, got ${describe(value)} (keeping the previous value)`);
  };
  for (const key of settingKeys) take(key);
  for (const key of Object.keys(input)) {
    if (!(settingKeys as readonly string[]).includes(key)) problems.push(`crashnav.${key}: unknown setting (ignored)`);
  }
  return { settings: next, problems };
}
