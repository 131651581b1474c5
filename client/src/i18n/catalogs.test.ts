import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { participantStatuses } from '../../../contracts/checkin.ts';
import { errorCodes } from '../../../contracts/errors.ts';
import { incidentCategories } from '../../../contracts/incidents.ts';
import { lockPolicies } from '../../../contracts/lock-policy.ts';
import { seatingModes } from '../../../contracts/rooms.ts';
import { NOTABLE } from '../features/dashboard/components/activity-feed.tsx';
import { languages } from './languages.ts';

const english = languages.find((language) => language.code === 'en')!;
const SOURCE = path.resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [full] : [];
  });
}

// Ids written out in the code; ids built from a value are checked by family below.
const literalIds = [...new Set(sourceFiles(SOURCE).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/\bid: '([\w.]+)'|\bid: `([\w.]+)`|\blabel: '([\w.]+)'/g)].map((m) => m[1] ?? m[2] ?? m[3]!)))];
const families = [
  ...[...errorCodes, 'network'].flatMap((code) => [`error.${code}.title`, `error.${code}.detail`]),
  ...participantStatuses.map((status) => `status.${status}`),
  ...lockPolicies.flatMap((policy) => [`policy.${policy}.name`, `policy.${policy}.hint`]),
  ...seatingModes.flatMap((mode) => [`seating.${mode}.name`, `seating.${mode}.hint`]),
  ...['live', 'connecting', 'reconnecting'].map((state) => `live.${state}`),
  ...[...NOTABLE].map((type) => `activity.${type}`),
  ...incidentCategories.map((category) => `incident.category.${category}`),
  ...['reset', 'expire', 'reopen'].flatMap((kind) => [`bulk.${kind}.title`, `bulk.${kind}.description`, `bulk.${kind}.confirm`]),
];

describe('the catalogs', () => {
  it('when the languages are read, then English, Arabic and French are among them, each named in itself', () => {
    expect(languages.map((language) => language.code)).toEqual(expect.arrayContaining(['en', 'ar', 'fr']));
    expect(Object.fromEntries(languages.map((language) => [language.code, [language.name, language.dir]]))).toMatchObject({
      en: ['English', 'ltr'], ar: ['العربية', 'rtl'], fr: ['Français', 'ltr'],
    });
  });

  it.each(languages.filter((language) => language.code !== 'en').map((language) => [language.code, language] as const))(
    'when the %s catalog is compared with English, then it has exactly the same keys',
    (_code, language) => {
      const theirs = new Set(Object.keys(language.messages));
      const ours = Object.keys(english.messages);
      expect({ missing: ours.filter((key) => !theirs.has(key)), extra: [...theirs].filter((key) => !(key in english.messages)) }).toEqual({ missing: [], extra: [] });
    },
  );

  it('when the code uses a message id, or an error code of the contract needs a text, then English has it', () => {
    expect([...literalIds, ...families].filter((id) => !(id in english.messages))).toEqual([]);
    expect(literalIds.length).toBeGreaterThan(100);
  });

  it.each(languages.map((language) => [language.code, language] as const))('when every message of %s is parsed as ICU, then none is malformed', (code, language) => {
    const broken = Object.entries(language.messages).flatMap(([key, text]) => {
      try {
        new IntlMessageFormat(text, code);
        return [];
      } catch (error) {
        return [`${key}: ${(error as Error).message}`];
      }
    });
    expect(broken).toEqual([]);
  });

  // A translation that drops {code} or renames {seconds} would show a gap, or the raw placeholder.
  it.each(languages.filter((language) => language.code !== 'en').map((language) => [language.code, language] as const))(
    'when the %s catalog is compared with English, then every message takes the same arguments',
    (_code, language) => {
      const argumentsOf = (text: string) => [...new Set([...text.matchAll(/\{\s*(\w+)\s*[,}]/g)].map((match) => match[1]!))].sort();
      const differing = Object.entries(english.messages)
        .filter(([key, text]) => key in language.messages && argumentsOf(text).join() !== argumentsOf(language.messages[key]!).join())
        .map(([key, text]) => `${key}: ${argumentsOf(text).join(',')} vs ${argumentsOf(language.messages[key]!).join(',')}`);
      expect(differing).toEqual([]);
    },
  );
});
