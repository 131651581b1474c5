import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, type Locator, type Page } from '@playwright/test';
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
// `scope` (a CSS selector) audits only what a state added to a page already audited whole: a dialog, an
// error, a banner. axe collects only violations, not the passing nodes, which is most of its time.
export async function expectAccessible(page: Page, state: string, scope?: string | string[]): Promise<void> {
  // options() replaces every option, so it comes before withTags(), which adds the rule selection.
  let builder = new AxeBuilder({ page }).options({ resultTypes: ['violations'] }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  for (const selector of typeof scope === 'string' ? [scope] : (scope ?? [])) {
    await expect(page.locator(selector).first(), `${state}: the audited part ${selector} is on the page`).toBeVisible();
    builder = builder.include(selector);
  }
  const results = await builder.analyze();
  const violations = results.violations.map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).slice(0, 5).join(' | ')}`);
  expect(violations, `${state}: WCAG 2.1 A/AA violations`).toEqual([]);
}

// Tab (or Shift+Tab) until the target has focus: proof that a keyboard alone reaches it. The number of
// presses is worked out once in the page (the tab stops in document order: examgate sets no positive
// tabindex, and a radio group is one stop), the keys are pressed, and one check says where the focus
// landed. Only if the count was off does it go on one press at a time, comparing against the element
// already found rather than running the locator's query again for every press.
export async function tabTo(page: Page, target: Locator, options: { backwards?: boolean; max?: number } = {}): Promise<void> {
  const element = await target.elementHandle();
  if (!element) throw new Error(`${String(target)} is not on the page`);
  try {
    const isFocused = () => element.evaluate((node) => node === document.activeElement);
    const key = options.backwards ? 'Shift+Tab' : 'Tab';
    const presses = await element.evaluate((node, backwards) => {
      const candidates = document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, summary, [tabindex], [contenteditable="true"]');
      const stops: HTMLElement[] = [];
      const radioGroups = new Set<string>();
      for (const candidate of Array.from(candidates)) {
        if (candidate.tabIndex < 0 || (candidate as HTMLButtonElement).disabled || candidate.closest('[inert]')) continue;
        if (candidate.getClientRects().length === 0 || getComputedStyle(candidate).visibility === 'hidden') continue;
        if (candidate instanceof HTMLInputElement && candidate.type === 'radio' && candidate.name) {
          const group = `${candidate.form?.id ?? ''}/${candidate.name}`;
          const checked = document.querySelector<HTMLInputElement>(`input[type="radio"][name="${CSS.escape(candidate.name)}"]:checked`);
          if (radioGroups.has(group) || (checked && checked !== candidate)) continue;
          radioGroups.add(group);
        }
        stops.push(candidate);
      }
      const to = stops.indexOf(node as HTMLElement);
      const from = stops.indexOf(document.activeElement as HTMLElement);
      if (to < 0) return 0;
      if (from < 0) return backwards ? stops.length - to : to + 1;
      return Math.max(0, backwards ? from - to : to - from);
    }, options.backwards ?? false);
    for (let i = 0; i < Math.min(presses, options.max ?? 80); i++) await page.keyboard.press(key);
    for (let extra = presses; !(await isFocused()); extra++) {
      if (extra >= (options.max ?? 80)) throw new Error(`${String(target)} was not reached with the keyboard`);
      await page.keyboard.press(key);
    }
  } finally {
    await element.dispose();
  }
}
