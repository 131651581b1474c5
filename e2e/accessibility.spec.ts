import { arrangeConflict, expect, test } from './support/fixtures.ts';
import { catalog, expectAccessible, message } from './support/catalogs.ts';

// Every state a participant or a proctor can meet, in a left-to-right and a right-to-left language. Each
// page is audited whole once; a later state of it is audited where it changed (the form, the alert, the
// dialog), so a test's time does not grow with what the rest of the page holds.
for (const language of ['en', 'ar'] as const) {
  const t = catalog(language);

  test(`${language}: every participant page state passes WCAG 2.1 A/AA`, async ({ participant, createParticipant }) => {
    const person = await createParticipant();
    const device = await participant('127.0.35.1', 0, { locale: language });
    const page = device.page;

    await page.goto('/');
    await expect(page.locator('html')).toHaveAttribute('lang', language);
    await expectAccessible(page, 'check-in form');

    await page.locator('form button[type="submit"]').click();
    await expect(page.getByText(t['checkin.code.missing']!)).toBeVisible();
    await expectAccessible(page, 'form with errors', 'form');

    await device.checkIn({ ...person, fullName: 'Someone Else' });
    await expect(page.getByRole('alert')).toContainText(t['error.not_recognised.title']!);
    await expectAccessible(page, 'not recognised', '[role="alert"]');

    await device.checkIn(person);
    await expect(page).toHaveURL(/\/start$/);
    await expectAccessible(page, 'start screen');

    const intruder = await participant('127.0.35.2', 0, { locale: language });
    await intruder.checkIn(person);
    await expect(intruder.page.getByRole('alert')).toContainText(t['error.locked_to_another_device.title']!);
    await expectAccessible(intruder.page, 'refused: another device');
    await intruder.page.getByRole('button', { name: t['deviceChange.ask'] }).click();
    await expect(intruder.page.getByText(t['deviceChange.waiting']!)).toBeVisible();
    await expectAccessible(intruder.page, 'device change requested', 'main');

    const later = await createParticipant({ opensAt: new Date(Date.now() + 3_600_000), timeZone: 'Europe/Berlin' });
    const early = await participant('127.0.35.3', 0, { locale: language });
    await early.checkIn(later);
    await expect(early.page.getByRole('alert')).toContainText(t['error.not_open_yet.title']!);
    await expectAccessible(early.page, 'not open yet', '[role="alert"]');
  });

  test(`${language}: the login page and every dashboard state pass WCAG 2.1 A/AA`, async ({ browser, environment, participant, proctor, createParticipant }) => {
    const login = await browser.newContext({ baseURL: environment.servers[0]!.baseUrl, locale: language });
    const loginPage = await login.newPage();
    await loginPage.goto('/proctor/login');
    await expectAccessible(loginPage, 'login');
    await loginPage.getByLabel(t['login.username']!).fill('nobody');
    await loginPage.getByLabel(t['login.password']!).fill('wrong-password');
    await loginPage.locator('form button[type="submit"]').click();
    await expect(loginPage.getByRole('alert')).toContainText(t['login.invalid']!);
    await expectAccessible(loginPage, 'login refused', 'form');
    await login.close();

    const conflicted = await createParticipant();
    const requesting = { ...(await createParticipant()) };
    await arrangeConflict(await participant('127.0.36.1'), await participant('127.0.36.2'), conflicted);
    const asker = await participant('127.0.36.4');
    await arrangeConflict(await participant('127.0.36.3'), asker, requesting);
    await asker.page.getByRole('button', { name: catalog('en')['deviceChange.ask'] }).click();
    const watcher = await proctor(0, { locale: language });
    await watcher.openDashboard(conflicted.sessionId);
    const feedItem = watcher.page.getByRole('listitem', { name: `${conflicted.fullName}, ${conflicted.code}` });
    await expect(feedItem).toBeVisible();
    await expectAccessible(watcher.page, 'dashboard with a conflict');

    await feedItem.getByRole('button', { name: t['feed.moveHere'] }).click();
    await expect(watcher.page.getByRole('dialog')).toBeVisible();
    await expectAccessible(watcher.page, 'move dialog', 'dialog[open]');
    await watcher.page.keyboard.press('Escape');

    await watcher.page.getByRole('button', { name: t['session.change'] }).click();
    await expect(watcher.page.getByRole('dialog')).toBeVisible();
    await expectAccessible(watcher.page, 'session settings dialog', 'dialog[open]');
    await watcher.page.keyboard.press('Escape');

    await watcher.openDashboard(requesting.sessionId);
    await expect(watcher.page.getByRole('button', { name: t['feed.approve'] })).toBeVisible();
    await expectAccessible(watcher.page, 'dashboard with a request and a banner', ['.feed', '.other-sessions']);

    await watcher.page.goto('/proctor?session=all');
    await expect(watcher.page.getByRole('heading', { level: 1 })).toHaveText(message(t, 'dashboard.allSessions'));
    await expectAccessible(watcher.page, 'all sessions');
  });
}
