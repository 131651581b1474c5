import type { RowDataPacket } from 'mysql2/promise';
import { arrangeConflict, auditEventTime, expect, LIVE_WITHIN_MS, type ParticipantDevice, test, watchedConflict, watchForAppearance } from './support/fixtures.ts';

// Every page schedules its click for the same instant on the machine's clock, so the requests leave
// together. Each page reports how far ahead it scheduled; a page that was already late would make the
// race a sequence, so the test insists that all were early. The instant is set ahead by four times what
// reaching all the pages took just before (at least 750 ms), so a busy machine moves it later instead of
// making a page late.
async function pressCheckInTogether(devices: ParticipantDevice[]): Promise<void> {
  const buttons = await Promise.all(devices.map((device) => device.page.getByRole('button', { name: 'Check in' }).elementHandle()));
  const probeStarted = Date.now();
  await Promise.all(devices.map((device) => device.page.evaluate(() => Date.now())));
  const at = Date.now() + Math.max(750, 4 * (Date.now() - probeStarted));
  const leads = await Promise.all(
    devices.map((device, index) =>
      device.page.evaluate(
        ([button, when]) => {
          const lead = when - Date.now();
          setTimeout(() => (button as HTMLButtonElement).click(), Math.max(0, lead));
          return lead;
        },
        [buttons[index], at] as const,
      ),
    ),
  );
  expect(Math.min(...leads), 'every page was ready before the release').toBeGreaterThan(0);
}

async function fillIn(device: ParticipantDevice, person: { code: string; fullName: string }): Promise<void> {
  await device.page.goto('/');
  await device.page.getByLabel('Participant code').fill(person.code);
  await device.page.getByLabel('Full name').fill(person.fullName);
}

async function outcomeOf(device: ParticipantDevice, fullName: string): Promise<'in' | 'refused'> {
  const admitted = device.page.getByRole('heading', { name: `Welcome, ${fullName}` });
  const refused = device.page.getByRole('alert').filter({ hasText: 'in use on another device' });
  await expect(admitted.or(refused)).toBeVisible();
  return (await admitted.isVisible()) ? 'in' : 'refused';
}

async function lockedIp(sql: import('mysql2/promise').Connection, code: string): Promise<string | null> {
  const [[row]] = await sql.query<RowDataPacket[]>('SELECT locked_ip FROM participants WHERE code = ?', [code]);
  return row!.locked_ip as string | null;
}

test('@core when eight devices press "Check in" with one code at the same moment, then exactly one gets in', async ({
  participant,
  proctor,
  createParticipant,
  sql,
}) => {
  const person = await createParticipant();
  const devices = await Promise.all(Array.from({ length: 8 }, (_, i) => participant(`127.0.40.${i + 1}`)));
  await Promise.all(devices.map((device) => fillIn(device, person)));

  await pressCheckInTogether(devices);

  const outcomes = await Promise.all(devices.map((device) => outcomeOf(device, person.fullName)));
  expect(outcomes.filter((outcome) => outcome === 'in')).toHaveLength(1);
  expect(outcomes.filter((outcome) => outcome === 'refused')).toHaveLength(7);
  const winner = devices[outcomes.indexOf('in')]!;
  expect(await lockedIp(sql, person.code)).toBe(winner.ip);
  const watcher = await proctor();
  await watcher.openDashboard(person.sessionId);
  const feedItem = watcher.page.getByRole('listitem', { name: `${person.fullName}, ${person.code}` });
  await expect(feedItem).toContainText('Refused (7 times)');
  await expect(feedItem).toContainText(winner.ip);
});

test('when the same race is split across two server instances, then there is still exactly one winner', async ({
  participant,
  createParticipant,
  sql,
}) => {
  const person = await createParticipant();
  const devices = await Promise.all(Array.from({ length: 8 }, (_, i) => participant(`127.0.41.${i + 1}`, i % 2)));
  await Promise.all(devices.map((device) => fillIn(device, person)));

  await pressCheckInTogether(devices);

  const outcomes = await Promise.all(devices.map((device) => outcomeOf(device, person.fullName)));
  expect(outcomes.filter((outcome) => outcome === 'in')).toHaveLength(1);
  expect(await lockedIp(sql, person.code)).toBe(devices[outcomes.indexOf('in')]!.ip);
});

test('when the same device refreshes or checks in again from the form, then it is let in and the lock time does not change', async ({
  participant,
  createParticipant,
}) => {
  const person = await createParticipant();
  const device = await participant('127.0.42.1');
  await device.checkIn(person);
  await expect(device.page).toHaveURL(/\/start$/);
  const lockedAt = await device.page.locator('time').getAttribute('datetime');

  await device.page.reload();
  await expect(device.page.locator('time')).toHaveAttribute('datetime', lockedAt!);
  await device.checkIn(person);

  await expect(device.page).toHaveURL(/\/start$/);
  await expect(device.page.locator('time')).toHaveAttribute('datetime', lockedAt!);
});

test('when the code has expired, then even the first device is refused with the expired message, not the device message', async ({
  participant,
  createParticipant,
}) => {
  const person = await createParticipant({ status: 'expired' });
  const device = await participant('127.0.43.1');

  await device.checkIn(person);

  await expect(device.page.getByRole('alert')).toContainText('This code has expired');
  await expect(device.page.getByRole('alert')).not.toContainText('another device');
});

test('when the holder switches networks, then the new address is refused until the proctor moves the lock to it; then the old address is refused', async ({
  participant,
  proctor,
  createParticipant,
  sql,
}) => {
  const { person, watcher, holder: wifi, intruder: hotspot, feedItem } = await watchedConflict(
    { participant, proctor, createParticipant, sql },
    { holderIp: '127.0.44.1', intruderIp: '127.0.44.2' },
  );

  await feedItem.getByRole('button', { name: 'Move to this device' }).click();
  const dialog = watcher.page.getByRole('dialog');
  await dialog.getByLabel('Reason (kept in the audit log)').fill('switched to phone hotspot');
  await dialog.getByRole('button', { name: 'Move lock' }).click();
  await expect(dialog).toBeHidden();
  await expect(feedItem).toBeHidden();

  await hotspot.page.getByRole('button', { name: 'Check in' }).click();
  await expect(hotspot.page).toHaveURL(/\/start$/);
  await wifi.page.reload();
  await expect(wifi.page.getByRole('alert')).toContainText('in use on another device');
  expect(await lockedIp(sql, person.code)).toBe('127.0.44.2');
});

test('when a conflict happens on instance A, then a proctor connected to instance B sees it within 2 s without reloading', async ({
  participant,
  proctor,
  createParticipant,
  sql,
}) => {
  const { feedItem, conflictShownAfterMs } = await watchedConflict(
    { participant, proctor, createParticipant, sql },
    { holderIp: '127.0.45.1', intruderIp: '127.0.45.2', deviceServer: 0, proctorServer: 1 },
  );

  expect(await conflictShownAfterMs()).toBeLessThanOrEqual(LIVE_WITHIN_MS);
  await expect(feedItem).toBeVisible();
  await expect(feedItem).toContainText('127.0.45.2');
});

test('when the refused device asks to move and the proctor approves, then it continues to the start screen by itself', async ({
  participant,
  proctor,
  createParticipant,
  sql,
}) => {
  const { person, watcher, intruder: asker, feedItem } = await watchedConflict(
    { participant, proctor, createParticipant, sql },
    { holderIp: '127.0.46.1', intruderIp: '127.0.46.2' },
  );
  const requestShown = await watchForAppearance(watcher.page, `li[aria-label="${person.fullName}, ${person.code}"]`, 'Asks to move');
  await asker.page.getByRole('button', { name: 'Ask the proctor to move my check-in to this device' }).click();
  await expect(asker.page.getByText('Waiting for a proctor')).toBeVisible();

  expect((await requestShown()) - (await auditEventTime(sql, person.code, 'device_change_requested'))).toBeLessThanOrEqual(LIVE_WITHIN_MS);
  const welcomed = await watchForAppearance(asker.page, 'h1, h2', `Welcome, ${person.fullName}`);
  await feedItem.getByRole('button', { name: 'Approve' }).click();
  await watcher.page.getByRole('dialog').getByRole('button', { name: 'Approve and move' }).click();

  // The waiting page asks about once a second: it continues within 3 s of the approval.
  expect((await welcomed()) - (await auditEventTime(sql, person.code, 'lock_transferred'))).toBeLessThanOrEqual(3000);
  await expect(asker.page).toHaveURL(/\/start$/);
  await expect(asker.page.getByRole('heading', { name: `Welcome, ${person.fullName}` })).toBeVisible();
});

test('when two proctors act on the same lock, then the one with the stale view is told the lock changed and nothing changes', async ({
  participant,
  proctor,
  createParticipant,
  sql,
}) => {
  const person = await createParticipant();
  const first = await proctor();
  const second = await proctor();
  await Promise.all([first.openDashboard(person.sessionId), second.openDashboard(person.sessionId)]);
  const holder = await participant('127.0.47.1');
  const refused = await participant('127.0.47.2');
  await arrangeConflict(holder, refused, person);
  const itemFor = (page: typeof first.page) => page.getByRole('listitem', { name: `${person.fullName}, ${person.code}` });
  await expect(itemFor(second.page)).toBeVisible();
  await itemFor(second.page).getByRole('button', { name: 'Reset' }).click();
  const staleDialog = second.page.getByRole('dialog');
  await staleDialog.getByLabel('Reason (kept in the audit log)').fill('reset for re-entry');

  await itemFor(first.page).getByRole('button', { name: 'Move to this device' }).click();
  await first.page.getByRole('dialog').getByLabel('Reason (kept in the audit log)').fill('moved first');
  await first.page.getByRole('dialog').getByRole('button', { name: 'Move lock' }).click();
  await expect(first.page.getByRole('dialog')).toBeHidden();
  await staleDialog.getByRole('button', { name: 'Reset lock' }).click();

  await expect(staleDialog.getByRole('alert')).toContainText('The lock changed');
  expect(await lockedIp(sql, person.code)).toBe('127.0.47.2');
});
