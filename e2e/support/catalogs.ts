import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

// The client's own catalogs: a test finds a control by the text the reader sees in their language.
export function catalog(language: string): Record<string, string> {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../client/src/i18n/catalogs/${language}.json`, import.meta.url)), 'utf8')) as Record<string, string>;
}

// A message with its plain {name} arguments filled in (no plurals or selects).
export function message(messages: Record<string, string>, key: string, values: Record<string, string> = {}): string {
  const text = messages[key];
  if (text === undefined) throw new Error(`no message ${key}`);
  return text.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `{${name}}`);
}

// WCAG 2.1 levels A and AA, as axe-core checks them; a violation is reported with the elements involved.
export async function expectAccessible(page: Page, state: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const violations = results.violations.map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).slice(0, 5).join(' | ')}`);
  expect(violations, `${state}: WCAG 2.1 A/AA violations`).toEqual([]);
}

// Tab (or Shift+Tab) until the target has focus: proof that a keyboard alone reaches it.
export async function tabTo(page: Page, target: ReturnType<Page['locator']>, options: { backwards?: boolean; max?: number } = {}): Promise<void> {
  for (let presses = 0; presses < (options.max ?? 80); presses++) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press(options.backwards ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`${String(target)} was not reached with the keyboard`);
}
