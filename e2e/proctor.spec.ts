import { expect, test, watchedConflict } from './support/fixtures.ts';

test('when a second device is refused, then the proctor dashboard shows the conflict within 2 s without a reload', async ({
  participant,
  proctor,
  createParticipant,
}) => {
  const { watcher, feedItem } = await watchedConflict(
    { participant, proctor, createParticipant },
    { holderIp: '127.0.30.1', intruderIp: '127.0.30.2' },
  );

  await expect(feedItem).toBeVisible({ timeout: 2000 });
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
