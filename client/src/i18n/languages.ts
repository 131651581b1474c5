// Every catalog in ./catalogs is a language: adding one is adding a file (see README, "Adding a language").
// A catalog names its language in itself (language.name) and its writing direction (language.dir).
const catalogs = import.meta.glob<Record<string, string>>('./catalogs/*.json', { eager: true, import: 'default' });

export interface Language {
  code: string;
  name: string;
  dir: 'ltr' | 'rtl';
  messages: Record<string, string>;
}

export const DEFAULT_LANGUAGE = 'en';

export const languages: Language[] = Object.entries(catalogs)
  .map(([file, messages]) => ({
    code: /([\w-]+)\.json$/.exec(file)![1]!,
    name: messages['language.name']!,
    dir: messages['language.dir'] === 'rtl' ? ('rtl' as const) : ('ltr' as const),
    messages,
  }))
  .sort((a, b) => (a.code === DEFAULT_LANGUAGE ? -1 : b.code === DEFAULT_LANGUAGE ? 1 : a.code.localeCompare(b.code)));

// The first of the reader's languages we have, by full tag (fr-CA) or by its language (fr).
export function pickLanguage(preferred: readonly string[], available: readonly string[] = languages.map((language) => language.code)): string {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    const exact = available.find((code) => code.toLowerCase() === lower);
    if (exact) return exact;
    const base = available.find((code) => code.toLowerCase() === lower.split('-')[0]);
    if (base) return base;
  }
  return DEFAULT_LANGUAGE;
}

export function languageOf(code: string): Language {
  return languages.find((language) => language.code === code) ?? languages.find((language) => language.code === DEFAULT_LANGUAGE)!;
}
