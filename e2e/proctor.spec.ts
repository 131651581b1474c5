import { arrangeConflict, expect, test } from './support/fixtures.ts';

test('when a second device is refused, then the proctor dashboard shows the conflict within 2 s without a reload', async ({
  participant,
  proctor,
  createParticipant,
}) => {
  const person = await createParticipant();
  const watcher = await proctor();
  await watcher.openDashboard(person.sessionId);
  const holder = await participant('127.0.30.1');
  const intruder = await participant('127.0.30.2');

  await arrangeConflict(holder, intruder, person);

  const feedItem = watcher.page.getByRole('listitem', { name: `${person.fullName}, ${person.code}` });
  await expect(feedItem).toBeVisible({ timeout: 2000 });
  await expect(feedItem).toContainText('127.0.30.1');
  await expect(feedItem).toContainText('127.0.30.2');
  await expect(watcher.page.getByRole('listitem').filter({ hasText: 'Open conflicts' })).toContainText('1');
});

test('when the proctor moves the lock to the refused device, then that device proceeds and the old one is refused', async ({
  participant,
  proctor,
  createParticipant,
}) => {
  const person = await createParticipant();
  const watcher = await proctor();
  await watcher.openDashboard(person.sessionId);
  const oldDevice = await participant('127.0.31.1');
  const newDevice = await participant('127.0.31.2');
  await arrangeConflict(oldDevice, newDevice, person);

  const feedItem = watcher.page.getByRole('listitem', { name: `${person.fullName}, ${person.code}` });
  await feedItem.getByRole('button', { name: 'Move to this device' }).click();
  const dialog = watcher.page.getByRole('dialog');
  await dialog.getByLabel('Reason (kept in the audit log)').fill('switched to phone hotspot');
  await dialog.getByRole('button', { name: 'Move lock' }).click();
  await expect(dialog).toBeHidden();
  await expect(feedItem).toBeHidden();

  await newDevice.page.getByRole('button', { name: 'Check in' }).click();
  await expect(newDevice.page).toHaveURL(/\/start$/);
  await oldDevice.page.reload();
  await expect(oldDevice.page.getByRole('alert')).toContainText('in use on another device');
});

test('when the refused device asks to move and the proctor approves, then it continues to the start screen by itself', async ({
  participant,
  proctor,
  createParticipant,
}) => {
  const person = await createParticipant();
  const watcher = await proctor();
  await watcher.openDashboard(person.sessionId);
  const holder = await participant('127.0.32.1');
  const asker = await participant('127.0.32.2');
  await arrangeConflict(holder, asker, person);
  await asker.page.getByRole('button', { name: 'Ask the proctor to move my check-in to this device' }).click();
  await expect(asker.page.getByText('Waiting for a proctor')).toBeVisible();

  const feedItem = watcher.page.getByRole('listitem', { name: `${person.fullName}, ${person.code}` });
  await expect(feedItem).toContainText('Asks to move', { timeout: 2000 });
  await expect(feedItem).toContainText('127.0.32.2');
  await feedItem.getByRole('button', { name: 'Approve' }).click();
  await watcher.page.getByRole('dialog').getByRole('button', { name: 'Approve and move' }).click();

  await expect(asker.page).toHaveURL(/\/start$/, { timeout: 3000 });
  await expect(asker.page.getByRole('heading', { name: `Welcome, ${person.fullName}` })).toBeVisible();
});

test('when the proctor is not logged in, then the dashboard sends them to the login page', async ({ browser, environment }) => {
  const context = await browser.newContext({ baseURL: environment.servers[0]!.baseUrl });
  const page = await context.newPage();
  await page.goto('/proctor');
  await expect(page).toHaveURL(/\/proctor\/login$/);
  await expect(page.getByRole('heading', { name: 'Proctor login' })).toBeVisible();
  await context.close();
});
