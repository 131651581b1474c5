import { expect, test } from './support/fixtures.ts';
import { catalog, expectAccessible } from './support/catalogs.ts';

for (const [index, language] of (['en', 'ar'] as const).entries()) {
  const t = catalog(language);

  test(`${language}: one laptop checks in a classmate's code too; the proctor sees one device with two participants, named, and resets the classmate's lock`, async ({ participant, proctor, createParticipant, sql }) => {
    const person = await createParticipant({ lockPolicy: 'device' });
    const classmate = { code: `B${person.code}`, fullName: 'Grace Hopper', sessionId: person.sessionId };
    await sql.query("INSERT INTO participants (session_id, code, full_name, status, status_updated_at) VALUES (?, ?, ?, 'unused', UTC_TIMESTAMP(3))", [person.sessionId, classmate.code, classmate.fullName]);
    const watcher = await proctor(0, { locale: language });
    await watcher.openDashboard(person.sessionId);
    const laptop = await participant(`127.0.48.${index + 1}`, 0, { locale: language });

    await laptop.checkIn(person);
    await expect(laptop.page).toHaveURL(/\/start$/);
    await laptop.checkIn(classmate);
    // Under flagged (the default) the classmate is let in: the proctor decides.
    await expect(laptop.page).toHaveURL(/\/start$/);

    const item = watcher.page.getByRole('listitem', { name: `${classmate.fullName}, ${classmate.code}` });
    await expect(item.locator('.tag-conflict')).toHaveText(t['feed.sharedDevice']!);
    await expect(item.locator('.shared-with')).toContainText(person.fullName);
    await expect(item.locator('.shared-with')).toContainText(person.code);
    await expect(item.getByRole('button', { name: t['feed.moveHere'] })).toHaveCount(0);
    await expectAccessible(watcher.page, 'shared device in the conflict feed', '.feed');
    await expect(watcher.page.locator('.activity-checked_in_shared_device')).toContainText(person.code);

    await item.getByRole('button', { name: t['feed.reset'] }).click();
    const dialog = watcher.page.getByRole('dialog');
    await dialog.getByRole('textbox').fill('checked in on a classmate’s laptop');
    await dialog.getByRole('button', { name: t['feed.reset'] }).click();
    await expect(item).toHaveCount(0);
    const [[row]] = await sql.query<import('mysql2/promise').RowDataPacket[]>('SELECT locked_device, conflict_open FROM participants WHERE code = ?', [classmate.code]);
    expect([row!.locked_device, row!.conflict_open]).toEqual([null, 0]);
  });

  test(`${language}: under refused, the laptop's second code is told in the participant's language to use their own device`, async ({ participant, createParticipant, sql }) => {
    const person = await createParticipant({ lockPolicy: 'device' });
    await sql.query("UPDATE exam_sessions SET device_sharing = 'refused' WHERE id = ?", [person.sessionId]);
    const classmate = { code: `B${person.code}`, fullName: 'Grace Hopper', sessionId: person.sessionId };
    await sql.query("INSERT INTO participants (session_id, code, full_name, status, status_updated_at) VALUES (?, ?, ?, 'unused', UTC_TIMESTAMP(3))", [person.sessionId, classmate.code, classmate.fullName]);
    const laptop = await participant(`127.0.48.${index + 11}`, 0, { locale: language });

    await laptop.checkIn(person);
    await expect(laptop.page).toHaveURL(/\/start$/);
    await laptop.checkIn(classmate);

    const alert = laptop.page.getByRole('alert');
    await expect(alert).toContainText(t['error.device_shared.title']!);
    await expect(alert).toContainText(t['error.device_shared.detail']!);
    await expectAccessible(laptop.page, 'device shared');
  });
}
