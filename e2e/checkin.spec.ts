import { expect, test } from './support/fixtures.ts';

test('when a participant checks in from the page, then the start screen shows their check-in and survives a refresh', async ({
  participant,
  createParticipant,
  sql,
}) => {
  const person = await createParticipant();
  const device = await participant('127.0.20.1');

  await device.checkIn(person);

  await expect(device.page).toHaveURL(/\/start$/);
  await expect(device.page.getByRole('heading', { name: `Welcome, ${person.fullName}` })).toBeVisible();
  await expect(device.page.getByText(`This browser is now the device for code ${person.code}.`)).toBeVisible();
  const lockedAt = await device.page.locator('time').getAttribute('datetime');
  const [[row]] = (await sql.query('SELECT locked_ip, device_locked_at FROM participants WHERE code = ?', [person.code])) as unknown as [
    [{ locked_ip: string; device_locked_at: Date }],
  ];
  expect(row.locked_ip).toBe('127.0.20.1');
  expect(row.device_locked_at.toISOString()).toBe(lockedAt);

  await device.page.reload();

  await expect(device.page).toHaveURL(/\/start$/);
  await expect(device.page.getByRole('heading', { name: `Welcome, ${person.fullName}` })).toBeVisible();
  await expect(device.page.locator('time')).toHaveAttribute('datetime', lockedAt!);
});

test('when a second device uses a code that is already checked in, then it sees the "in use on another device" message', async ({
  participant,
  createParticipant,
}) => {
  const person = await createParticipant();
  const first = await participant('127.0.21.1');
  const second = await participant('127.0.21.2');
  await first.checkIn(person);
  await expect(first.page).toHaveURL(/\/start$/);

  await second.checkIn(person);

  await expect(second.page.getByRole('alert')).toContainText('This code is in use on another device');
  await expect(second.page.getByRole('alert')).toContainText('ask a proctor');
  await expect(second.page).toHaveURL(/\/$/);
});

test('when someone opens the start screen without checking in, then they are sent to the check-in form', async ({ participant }) => {
  const device = await participant('127.0.22.1');

  await device.page.goto('/start');

  await expect(device.page).toHaveURL(/\/$/);
  await expect(device.page.getByRole('heading', { name: 'Check in to your exam' })).toBeVisible();
});

test('when the form is submitted empty with the keyboard, then each field explains what is missing', async ({ participant }) => {
  const device = await participant('127.0.24.1');
  await device.page.goto('/');

  await device.page.getByLabel('Participant code').focus();
  await device.page.keyboard.press('Enter');

  await expect(device.page.getByText('Enter your participant code.')).toBeVisible();
  await expect(device.page.getByText('Enter your full name.')).toBeVisible();
  await expect(device.page.getByLabel('Participant code')).toBeFocused();
});
