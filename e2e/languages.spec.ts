import type { Page } from '@playwright/test';
import { arrangeConflict, expect, test } from './support/fixtures.ts';
import { catalog } from './support/catalogs.ts';

const en = catalog('en');
const fr = catalog('fr');
const ar = catalog('ar');

// English texts that the French catalog says differently, without arguments: none may be left on the page
// (but the language switcher, which offers each language in its own name).
const englishOnly = new Set(
  Object.keys(en)
    .filter((key) => key !== 'language.name' && !en[key]!.includes('{') && en[key] !== fr[key])
    .map((key) => en[key]!),
);

async function visibleTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const texts: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim();
      if (text) texts.push(text);
    }
    for (const element of Array.from(document.querySelectorAll('[aria-label], [placeholder]'))) {
      texts.push(element.getAttribute('aria-label') ?? '', element.getAttribute('placeholder') ?? '');
    }
    return texts.filter(Boolean);
  });
}

test('when the browser prefers Arabic, then the check-in page is right to left, in Arabic, and so is its refusal', async ({ participant, createParticipant }) => {
  const person = await createParticipant();
  const device = await participant('127.0.37.1', 0, { locale: 'ar-EG' });

  await device.checkIn({ ...person, fullName: 'Someone Else' });

  await expect(device.page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(device.page.locator('html')).toHaveAttribute('lang', 'ar');
  await expect(device.page.getByLabel(ar['checkin.code.label']!)).toBeVisible();
  await expect(device.page.getByRole('button', { name: ar['checkin.submit'] })).toBeVisible();
  await expect(device.page.getByRole('alert')).toContainText(ar['error.not_recognised.title']!);
  // Laid out by the browser from right to left: the form's start edge is its right edge.
  const field = (await device.page.getByLabel(ar['checkin.code.label']!).boundingBox())!;
  const label = (await device.page.getByText(ar['checkin.code.label']!, { exact: true }).boundingBox())!;
  expect(label.x + label.width).toBeGreaterThan(field.x + field.width - 2);
});

test('when a participant switches to French, then every text on the page changes, and the choice survives a reload', async ({ participant, createParticipant }) => {
  const person = await createParticipant();
  const device = await participant('127.0.37.2');
  await device.checkIn({ ...person, fullName: 'Someone Else' });
  await expect(device.page.getByRole('alert')).toContainText(en['error.not_recognised.title']!);

  await device.page.getByLabel(en['language.label']!).selectOption('fr');

  await expect(device.page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(device.page.getByRole('alert')).toContainText(fr['error.not_recognised.title']!);
  expect((await visibleTexts(device.page)).filter((text) => englishOnly.has(text))).toEqual([]);
  await device.page.reload();
  await expect(device.page.locator('html')).toHaveAttribute('lang', 'fr');
  await expect(device.page.getByLabel(fr['checkin.code.label']!)).toBeVisible();
});

test('when a proctor switches the dashboard to French, then every text on it changes', async ({ participant, proctor, createParticipant }) => {
  const person = await createParticipant();
  await arrangeConflict(await participant('127.0.37.3'), await participant('127.0.37.4'), person);
  const watcher = await proctor();
  await watcher.openDashboard(person.sessionId);

  await watcher.page.getByLabel(en['language.label']!).selectOption('fr');

  await expect(watcher.page.getByRole('heading', { name: fr['feed.title'] })).toBeVisible();
  expect((await visibleTexts(watcher.page)).filter((text) => englishOnly.has(text))).toEqual([]);
});
