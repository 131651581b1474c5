import type mysql from 'mysql2/promise';
import { expect, test } from './support/fixtures.ts';
import { catalog, expectAccessible } from './support/catalogs.ts';

for (const [index, language] of (['en', 'ar'] as const).entries()) {
  const t = catalog(language);

  test(`${language}: the room's proctor screen shows the room code large; a participant who types it is let in, one who types another is told to check it`, async ({ participant, proctor, createParticipant, sql }) => {
    const person = await createParticipant({ lockPolicy: 'device' });
    await sql.query("UPDATE exam_sessions SET room_codes = 'required' WHERE id = ?", [person.sessionId]);
    const [room] = await sql.query<mysql.ResultSetHeader>("INSERT INTO rooms (session_id, name, created_at) VALUES (?, 'Hall K', UTC_TIMESTAMP(3))", [person.sessionId]);
    await sql.query('UPDATE participants SET room_id = ? WHERE code = ?', [room.insertId, person.code]);
    const hall = await proctor(0, { locale: language });
    await sql.query("UPDATE proctors SET role = 'room' WHERE username = ?", [hall.username]);
    await sql.query('INSERT INTO proctor_rooms (proctor_id, room_id) SELECT id, ? FROM proctors WHERE username = ?', [room.insertId, hall.username]);
    await hall.openDashboard(person.sessionId);

    const panel = hall.page.getByRole('region', { name: `${t['roomCode.title']} · Hall K` });
    const shown = panel.locator('.room-code-value').first();
    await expect(shown).toHaveText(/^\d{3} \d{3}$/);
    const code = (await shown.textContent())!;
    await expectAccessible(hall.page, 'room code on the room proctor screen', '.room-code');
    await panel.getByRole('button', { name: t['roomCode.showLarge'] }).click();
    const large = hall.page.getByRole('dialog');
    await expect(large.locator('.room-code-value')).toHaveText(code);
    await expectAccessible(hall.page, 'room code shown large');
    await hall.page.keyboard.press('Escape');
    await expect(large).toHaveCount(0);

    const laptop = await participant(`127.0.78.${index + 1}`, 0, { locale: language });
    await laptop.page.goto('/');
    const roomCodeField = laptop.page.getByLabel(t['checkin.roomCode.label']!, { exact: true });
    await expect(roomCodeField).toBeVisible();
    await expectAccessible(laptop.page, 'check-in page with a room code field');
    await laptop.page.locator('input[name="code"]').fill(person.code);
    await laptop.page.locator('input[name="fullName"]').fill(person.fullName);
    const wrong = code.replace(/^\d/, (digit) => String((Number(digit) + 1) % 10));
    await roomCodeField.fill(wrong);
    await laptop.page.locator('form button[type="submit"]').click();
    const alert = laptop.page.getByRole('alert');
    await expect(alert).toContainText(t['error.not_recognised.title']!);
    await expect(alert).toContainText(t['error.not_recognised.withRoomCode.detail']!);

    // Typed as the screen shows it, space included.
    await roomCodeField.fill(code);
    await laptop.page.locator('form button[type="submit"]').click();
    await expect(laptop.page).toHaveURL(/\/start$/);
    await expect(laptop.page.locator('main')).toContainText('Hall K');
    const [rows] = await sql.query<mysql.RowDataPacket[]>('SELECT event_type, reason FROM audit_events WHERE code = ? AND event_type IN (?) ORDER BY id', [person.code, ['not_recognised', 'checked_in']]);
    expect(rows.map((row) => [row.event_type, row.reason])).toEqual([
      ['not_recognised', 'room_code_wrong'],
      ['checked_in', null],
    ]);
  });
}
