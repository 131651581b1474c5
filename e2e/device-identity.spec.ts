import { timePasses } from '../server/test/support/fixtures.ts';
import { auditEventTime, expect, LIVE_WITHIN_MS, test, watchForAppearance } from './support/fixtures.ts';

const refusedElsewhere = 'in use on another device';

test.describe('a device is a device, not an address', () => {
  test('when two browsers behind one NAT address use one code, then the second is refused under device and let in under address', async ({ participant, createParticipant }) => {
    for (const [lockPolicy, secondGetsIn] of [['device', false], ['address', true]] as const) {
      const person = await createParticipant({ lockPolicy });
      const hall = lockPolicy === 'device' ? '127.0.50.1' : '127.0.50.2';
      const first = await participant(hall);
      const second = await participant(hall);

      await first.checkIn(person);
      await expect(first.page).toHaveURL(/\/start$/);
      await second.checkIn(person);

      if (secondGetsIn) await expect(second.page, lockPolicy).toHaveURL(/\/start$/);
      else await expect(second.page.getByRole('alert'), lockPolicy).toContainText(refusedElsewhere);
    }
  });

  test('when a checked-in browser moves to another network, then under device it is let in and the dashboard shows the network change live', async ({
    participant,
    proctor,
    createParticipant,
    sql,
  }) => {
    const person = await createParticipant({ lockPolicy: 'device' });
    const watcher = await proctor();
    await watcher.openDashboard(person.sessionId);
    const laptop = await participant('127.0.51.1');
    await laptop.checkIn(person);
    await expect(laptop.page).toHaveURL(/\/start$/);

    const moveShown = await watchForAppearance(watcher.page, '.activity li', `${person.code} moved networks: 127.0.51.1 → 127.0.51.2`);
    // Later than the copy window: within it, the same key from a new address is refused as a copied key.
    await timePasses(sql, person.code);
    await laptop.moveTo('127.0.51.2');
    await laptop.checkIn(person);

    await expect(laptop.page).toHaveURL(/\/start$/);
    expect((await moveShown()) - (await auditEventTime(sql, person.code, 'network_changed'))).toBeLessThanOrEqual(LIVE_WITHIN_MS);
    const activity = watcher.page.getByRole('region', { name: 'Activity' });
    await expect(activity.getByRole('listitem').filter({ hasText: `${person.code} moved networks` })).toContainText('127.0.51.1 → 127.0.51.2');
  });

  test('when a checked-in browser moves to another network under address, then it is refused', async ({ participant, createParticipant, sql }) => {
    const person = await createParticipant({ lockPolicy: 'address' });
    const laptop = await participant('127.0.52.1');
    await laptop.checkIn(person);
    await expect(laptop.page).toHaveURL(/\/start$/);
    await timePasses(sql, person.code);

    await laptop.moveTo('127.0.52.2');
    await laptop.checkIn(person);

    await expect(laptop.page.getByRole('alert')).toContainText(refusedElsewhere);
  });

  test('when a proctor moves the lock to one refused browser behind a shared address, then only that browser gets in', async ({
    participant,
    proctor,
    createParticipant,
  }) => {
    const person = await createParticipant({ lockPolicy: 'device' });
    const watcher = await proctor();
    await watcher.openDashboard(person.sessionId);
    const holder = await participant('127.0.53.1');
    await holder.checkIn(person);
    await expect(holder.page).toHaveURL(/\/start$/);
    const other = await participant('127.0.53.2');
    await other.checkIn(person);
    await expect(other.page.getByRole('alert')).toContainText(refusedElsewhere);
    const chosen = await participant('127.0.53.2');
    await chosen.checkIn(person);
    await expect(chosen.page.getByRole('alert')).toContainText(refusedElsewhere);

    const feedItem = watcher.page.getByRole('listitem', { name: `${person.fullName}, ${person.code}` });
    await expect(feedItem).toContainText('Refused (2 times)');
    await feedItem.getByRole('button', { name: 'Move to this device' }).click();
    const dialog = watcher.page.getByRole('dialog');
    await dialog.getByLabel('Reason (kept in the audit log)').fill('the second laptop is the right one');
    await dialog.getByRole('button', { name: 'Move lock' }).click();
    await expect(dialog).toBeHidden();

    await chosen.page.getByRole('button', { name: 'Check in' }).click();
    await expect(chosen.page).toHaveURL(/\/start$/);
    await other.page.getByRole('button', { name: 'Check in' }).click();
    await expect(other.page.getByRole('alert')).toContainText(refusedElsewhere);
    await holder.checkIn(person);
    await expect(holder.page.getByRole('alert')).toContainText(refusedElsewhere);
  });

  test("when check-in has not opened yet, then the page says when it opens, in the exam's time zone", async ({ participant, createParticipant }) => {
    const opensAt = new Date(Date.UTC(2031, 5, 1, 7, 30));
    const person = await createParticipant({ lockPolicy: 'device', opensAt, timeZone: 'Asia/Tokyo' });
    const device = await participant('127.0.54.1');

    await device.checkIn(person);

    const alert = device.page.getByRole('alert');
    await expect(alert).toContainText('Check-in has not opened yet');
    await expect(alert).toContainText('It opens on Sunday, June 1, 2031 at 4:30 PM GMT+9.');
  });
});
