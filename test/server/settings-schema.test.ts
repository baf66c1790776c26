// The one settings schema (server/config.ts) against the places that list the settings again: the VS Code
// manifest's `contributes.configuration` and the README's settings table. The server validates with the
// schema itself, so a value the manifest offers must pass it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applySettings, defaultSettings, settingKeys, settingsSchema } from '../../server/config.js';
import { settingsSection } from '../../server/protocol.js';

const root = path.resolve(import.meta.dirname, '../..');
type Property = { type: unknown; items?: unknown; default: unknown; markdownDescription?: string; description?: string; enum?: unknown[] };
const manifest = JSON.parse(readFileSync(path.join(root, 'clients/vscode/package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, Property> } };
};
/** The extension's own settings (how to start the server, tracing) are not the server's. */
const clientOnly = (key: string): boolean => key.startsWith(`${settingsSection}.server.`) || key.startsWith(`${settingsSection}.trace.`);

describe('the settings schema', () => {
  it('is what the server validates with: each default passes, a value of another JSON type does not', () => {
    for (const key of settingKeys) {
      const spec = settingsSchema[key];
      if (spec.default !== null) expect(spec.parse(spec.default, '/'), key).toMatchObject({ ok: true });
      const wrong = spec.type === 'array' ? 'not-a-list' : 42;
      const { problems } = applySettings(defaultSettings(), { [key]: wrong }, '/');
      expect(problems, key).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^crashnav\\.${key}: expected .*, got ${JSON.stringify(wrong)} \\(keeping the previous value\\)$`));
    }
  });
});

describe('clients/vscode/package.json contributes.configuration', () => {
  const properties = manifest.contributes.configuration.properties;

  it('has a property for every server setting and none the server does not know', () => {
    const serverKeys = Object.keys(properties).filter((k) => !clientOnly(k));
    expect(serverKeys.sort()).toEqual(settingKeys.map((k) => `${settingsSection}.${k}`).sort());
  });

  for (const key of settingKeys) {
    it(`${settingsSection}.${key}: the schema's type, items, default and description`, () => {
      const spec = settingsSchema[key];
      const property = properties[`${settingsSection}.${key}`];
      expect(property, `${settingsSection}.${key} is missing`).toBeDefined();
      expect({ type: property!.type, items: property!.items, default: property!.default, description: property!.markdownDescription ?? property!.description }).toEqual({
        type: spec.type,
        items: spec.items,
        default: spec.default,
        description: spec.description,
      });
      // The manifest may narrow the choices for its UI, never offer one the server rejects.
      for (const choice of property!.enum ?? []) {
        if (choice !== null) expect(spec.parse(choice, '/'), `${key}: ${JSON.stringify(choice)}`).toMatchObject({ ok: true });
      }
    });
  }
});

describe("README's settings table", () => {
  /** The table's rows as the schema says them: key, description, the default shown or the JSON default. */
  const expected = settingKeys.map((key) => {
    const { description, shownDefault, default: value } = settingsSchema[key];
    const shown = shownDefault ?? `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
    return `| \`${key}\` | ${description} | ${shown} |`;
  });

  it('lists every setting with the schema description and default, in the schema order', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8').split('\n');
    const header = readme.indexOf('| key | meaning | default |');
    expect(header, 'README: no "| key | meaning | default |" table').toBeGreaterThan(0);
    const rows: string[] = [];
    for (let i = header + 2; i < readme.length && readme[i]!.startsWith('|'); i++) rows.push(readme[i]!);
    expect(rows).toEqual(expected);
  });
});
