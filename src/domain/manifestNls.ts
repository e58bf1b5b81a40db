// The manifest's settings ready for translation: every description becomes a `%key%`
// placeholder in package.json, and its English text goes to package.nls.json (VS Code
// puts a translation's text in its place; the English needs no bundle).

export type Strings = Record<string, string>;

type Property = Record<string, unknown>;

/** `contribution` with placeholders for its title and each setting's descriptions, and the English strings. */
export function withPlaceholders(contribution: { title: string; properties: Record<string, unknown> }): { contribution: { title: string; properties: Record<string, unknown> }; strings: Strings } {
  const strings: Strings = {};
  const placeholder = (key: string, text: string): string => {
    strings[key] = text;
    return `%${key}%`;
  };
  const properties: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(contribution.properties)) {
    const property = { ...(value as Property) };
    for (const field of ['description', 'markdownDescription'] as const) {
      if (typeof property[field] === 'string') property[field] = placeholder(`${name}.${field}`, property[field]);
    }
    if (Array.isArray(property.enumDescriptions) && Array.isArray(property.enum)) {
      const values = property.enum as unknown[];
      property.enumDescriptions = (property.enumDescriptions as string[]).map((text, index) => placeholder(`${name}.enumDescriptions.${String(values[index])}`, text));
    }
    properties[name] = property;
  }
  return { contribution: { title: placeholder('configuration.title', contribution.title), properties }, strings };
}

/** The `%key%` placeholders anywhere in a JSON value. */
export function placeholdersIn(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') {
    const match = /^%([^%\s]+)%$/.exec(value);
    if (match) found.add(match[1]!);
  } else if (Array.isArray(value)) {
    for (const item of value) placeholdersIn(item, found);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) placeholdersIn(item, found);
  }
  return found;
}
