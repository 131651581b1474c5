import { expect, LIVE_WITHIN_MS, test, watchedConflict } from './support/fixtures.ts';

test('when a second device is refused, then the proctor dashboard shows the conflict within 2 s without a reload', async ({
  participant,
  proctor,
  createParticipant,
  sql,
}) => {
  const { watcher, feedItem, conflictShownAfterMs } = await watchedConflict(
    { participant, proctor, createParticipant, sql },
    { holderIp: '127.0.30.1', intruderIp: '127.0.30.2' },
  );

  expect(await conflictShownAfterMs()).toBeLessThanOrEqual(LIVE_WITHIN_MS);
  await expect(feedItem).toBeVisible();
  await expect(feedItem).toContainText('127.0.30.1');
  await expect(feedItem).toContainText('127.0.30.2');
  await expect(watcher.page.getByRole('listitem').filter({ hasText: 'Open conflicts' })).toContainText('1');
});

test('when the proctor is not logged in, then the dashboard sends them to the login page', async ({ browser, environment }) => {
  const context = await browser.newContext({ baseURL: environment.servers[0]!.baseUrl });
  const page = await context.newPage();
  await page.goto('/proctor');
  await expect(page).toHaveURL(/\/proctor\/login$/);
  await expect(page.getByRole('heading', { name: 'Proctor login' })).toBeVisible();
  await context.close();
});
