import type { Page } from '@playwright/test';
import { arrangeConflict, expect, test } from './support/fixtures.ts';
import { catalog, tabTo } from './support/catalogs.ts';

const en = catalog('en');

async function expectFocusVisible(page: Page): Promise<void> {
  const outline = await page.evaluate(() => {
    const style = getComputedStyle(document.activeElement!);
    return `${style.outlineStyle} ${style.outlineWidth}`;
  });
  expect(outline).not.toMatch(/^none|\b0px$/);
}

async function expectNoSidewaysScroll(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
}

test('when a participant uses only the keyboard, then they reach both fields, see where the focus is, and check in with Enter', async ({ participant, createParticipant }) => {
  const person = await createParticipant();
  const device = await participant('127.0.38.1');
  const page = device.page;
  await page.goto('/');

  await tabTo(page, page.getByLabel(en['checkin.code.label']!));
  await expectFocusVisible(page);
  await page.keyboard.type(person.code);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel(en['checkin.name.label']!)).toBeFocused();
  await page.keyboard.type(person.fullName);
  await page.keyboard.press('Enter');

  await expect(page).toHaveURL(/\/start$/);
});

test('when a proctor uses only the keyboard, then they log in, find a participant and move the lock to the refused device', async ({ browser, environment, participant, proctor, createParticipant }) => {
  const person = await createParticipant();
  await arrangeConflict(await participant('127.0.38.2'), await participant('127.0.38.3'), person);
  const { username, password } = await proctor();
  const context = await browser.newContext({ baseURL: environment.servers[0]!.baseUrl });
  const page = await context.newPage();

  await page.goto('/proctor/login');
  await tabTo(page, page.getByLabel(en['login.username']!));
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/proctor$/);
  await page.goto(`/proctor?session=${person.sessionId}`);

  await tabTo(page, page.getByRole('searchbox'));
  await page.keyboard.type(person.code);
  const feedItem = page.getByRole('listitem', { name: `${person.fullName}, ${person.code}` });
  await tabTo(page, feedItem.getByRole('button', { name: en['feed.moveHere'] }), { backwards: true });
  await expectFocusVisible(page);
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('textbox')).toBeFocused();
  await page.keyboard.type('switched laptops');
  await tabTo(page, dialog.getByRole('button', { name: en['action.move.confirm'] }));
  await page.keyboard.press('Enter');

  await expect(dialog).toBeHidden();
  await expect(page.getByRole('row').filter({ hasText: person.code })).toContainText('127.0.38.3');
  await context.close();
});

test.describe('reflow', () => {
  for (const language of ['en', 'ar']) {
    test(`${language}: at 320 CSS pixels wide the participant pages need no sideways scrolling`, async ({ participant, createParticipant }) => {
      const person = await createParticipant();
      const device = await participant(language === 'en' ? '127.0.38.4' : '127.0.38.5', 0, { locale: language });
      await device.page.setViewportSize({ width: 320, height: 640 });
      await device.checkIn({ ...person, fullName: 'Someone Else' });
      await expect(device.page.getByRole('alert')).toBeVisible();
      await expectNoSidewaysScroll(device.page);
      await device.checkIn(person);
      await expect(device.page).toHaveURL(/\/start$/);
      await expectNoSidewaysScroll(device.page);
    });
  }

  test('at 200 % zoom on a 1280 × 800 screen (640 CSS pixels), the dashboard needs no sideways scrolling', async ({ participant, proctor, createParticipant }) => {
    const person = await createParticipant();
    await arrangeConflict(await participant('127.0.38.6'), await participant('127.0.38.7'), person);
    const watcher = await proctor();
    await watcher.page.setViewportSize({ width: 640, height: 400 });
    await watcher.openDashboard(person.sessionId);
    await expect(watcher.page.getByRole('row').filter({ hasText: person.code })).toBeVisible();
    await expectNoSidewaysScroll(watcher.page);
    await watcher.page.setViewportSize({ width: 320, height: 640 });
    await expectNoSidewaysScroll(watcher.page);
  });
});
