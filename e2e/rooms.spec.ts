import type mysql from 'mysql2/promise';
import { expect, test } from './support/fixtures.ts';
import { catalog, expectAccessible } from './support/catalogs.ts';

for (const [index, language] of (['en', 'ar'] as const).entries()) {
  const t = catalog(language);

  test(`${language}: a participant whose seat is drawn at check-in sees room and seat, large, and keeps them after a reload; the proctor sees them on the row`, async ({ participant, proctor, createParticipant, sql }) => {
    const person = await createParticipant({ lockPolicy: 'device' });
    await sql.query("UPDATE exam_sessions SET seating = 'at_check_in' WHERE id = ?", [person.sessionId]);
    const [room] = await sql.query<mysql.ResultSetHeader>('INSERT INTO rooms (session_id, name, created_at) VALUES (?, ?, UTC_TIMESTAMP(3))', [person.sessionId, 'Hall A']);
    await sql.query('INSERT INTO seats (room_id, label, position, draw) VALUES (?, ?, 0, 7), (?, ?, 1, 3)', [room.insertId, 'B7', room.insertId, 'B8']);
    await sql.query('UPDATE participants SET room_id = ? WHERE code = ?', [room.insertId, person.code]);
    const device = await participant(`127.0.47.${index + 1}`, 0, { locale: language });

    await device.checkIn(person);

    await expect(device.page).toHaveURL(/\/start$/);
    const placement = device.page.getByTestId('placement');
    await expect(placement.getByText(t['start.room']!)).toBeVisible();
    await expect(placement.getByText('Hall A')).toBeVisible();
    await expect(placement.getByText(t['start.seat']!)).toBeVisible();
    const seat = (await placement.locator('dd bdi').nth(1).textContent())!;
    expect(['B7', 'B8']).toContain(seat);
    // Read from arm's length: at least twice the size of the page's text.
    const sizes = await placement.locator('dd').first().evaluate((dd) => [parseFloat(getComputedStyle(dd).fontSize), parseFloat(getComputedStyle(document.body).fontSize)]);
    expect(sizes[0]!).toBeGreaterThanOrEqual(2 * sizes[1]!);
    await expect(device.page.locator('html')).toHaveAttribute('dir', language === 'ar' ? 'rtl' : 'ltr');
    await expectAccessible(device.page, 'start screen with room and seat');
    await device.page.reload();
    await expect(device.page.getByTestId('placement')).toContainText(seat);

    // A classmate in the same hall, and one in no room.
    const classmate = { code: `B${person.code}`, fullName: 'Grace Hopper', sessionId: person.sessionId };
    await sql.query("INSERT INTO participants (session_id, code, full_name, status, status_updated_at, room_id) VALUES (?, ?, ?, 'unused', UTC_TIMESTAMP(3), ?)", [
      person.sessionId, classmate.code, classmate.fullName, room.insertId,
    ]);
    await sql.query("INSERT INTO participants (session_id, code, full_name, status, status_updated_at) VALUES (?, ?, 'Alan Turing', 'unused', UTC_TIMESTAMP(3))", [person.sessionId, `C${person.code}`]);

    const watcher = await proctor(0, { locale: language });
    await watcher.openDashboard(person.sessionId);
    const rowOf = (code: string) => watcher.page.locator('.grid-scroll [role="row"]').filter({ has: watcher.page.locator('.cell-code', { hasText: new RegExp(`^${code}$`) }) });
    const row = rowOf(person.code);
    await expect(row.locator('.tag-place')).toContainText(`Hall A · ${seat}`);

    // The rooms overview counts the hall, and follows the classmate's check-in live.
    const rooms = watcher.page.getByRole('region', { name: t['rooms.title'] });
    const hall = rooms.getByRole('row', { name: /Hall A/ });
    const cells = (values: string[]) => expect(hall.getByRole('cell')).toHaveText(values.map((value) => new RegExp(`^${value}$`)));
    await cells(['2', '1', '1', '0', '0', '1']);
    await expectAccessible(watcher.page, 'rooms overview', '.rooms');
    await (await participant(`127.0.47.${index + 21}`, 0, { locale: language })).checkIn(classmate);
    await cells(['2', '2', '0', '0', '0', '0']);

    // Opening the hall shows its participants only; the chip shows everyone again.
    await hall.getByRole('button').click();
    const rows = watcher.page.locator('.grid-scroll [role="row"]');
    await expect(rows).toHaveCount(2);
    await watcher.page.locator('.room-filter').click();
    await expect(rows).toHaveCount(3);
    // Searching for a place finds who sits there (a code cannot hold the space).
    await watcher.page.getByRole('searchbox', { name: t['table.search.label'] }).fill(`Hall A · ${seat}`);
    await expect(rows).toHaveCount(1);
    await expect(rowOf(person.code)).toHaveCount(1);
  });

  test(`${language}: a participant whose room is full is told so in their language; a proctor frees a seat in the dialog and they get it`, async ({ participant, proctor, createParticipant, sql }) => {
    const person = await createParticipant({ lockPolicy: 'device' });
    await sql.query("UPDATE exam_sessions SET seating = 'at_check_in' WHERE id = ?", [person.sessionId]);
    const [room] = await sql.query<mysql.ResultSetHeader>('INSERT INTO rooms (session_id, name, created_at) VALUES (?, ?, UTC_TIMESTAMP(3))', [person.sessionId, 'Hall Z']);
    // The room's one seat is held by someone who checked in before.
    const [earlier] = await sql.query<mysql.ResultSetHeader>(
      "INSERT INTO participants (session_id, code, full_name, status, status_updated_at, room_id, seat) VALUES (?, ?, 'Grace Hopper', 'unused', UTC_TIMESTAMP(3), ?, 'Z1')",
      [person.sessionId, `Z${person.code}`, room.insertId],
    );
    await sql.query('INSERT INTO seats (room_id, label, position, draw, holder_id) VALUES (?, ?, 0, 1, ?)', [room.insertId, 'Z1', earlier.insertId]);
    await sql.query('UPDATE participants SET room_id = ? WHERE code = ?', [room.insertId, person.code]);
    const device = await participant(`127.0.47.${index + 11}`, 0, { locale: language });

    await device.checkIn(person);

    const alert = device.page.getByRole('alert');
    await expect(alert).toContainText(t['error.room_full.title']!);
    await expect(alert).toContainText(t['error.room_full.detail']!);
    await expectAccessible(device.page, 'room full');

    // A proctor frees the seat of the one who sits there (with the keyboard), and the participant tries again.
    const watcher = await proctor(0, { locale: language });
    await watcher.openDashboard(person.sessionId);
    const row = watcher.page.locator('.grid-scroll [role="row"]', { hasText: `Z${person.code}` });
    await expect(row.locator('.tag-place')).toContainText('Hall Z · Z1');
    await row.getByRole('button', { name: `${t['table.seat']!} Z${person.code}` }).click();
    const dialog = watcher.page.getByRole('dialog', { name: t['seatDialog.title'] });
    await expect(dialog.getByLabel(t['start.room']!)).toBeFocused();
    await dialog.getByLabel(t['start.seat']!).selectOption({ label: t['seatDialog.noSeat']! });
    await dialog.getByLabel(t['dialog.reason']!).fill('seat Z1 is broken');
    await expectAccessible(watcher.page, 'seat dialog', 'dialog[open]');
    await watcher.page.keyboard.press('Tab');
    await dialog.getByRole('button', { name: t['seatDialog.save'] }).press('Enter');
    await expect(dialog).toBeHidden();
    await expect(row.locator('.tag-place')).toHaveText(/Hall Z$/);

    await device.checkIn(person);
    await expect(device.page).toHaveURL(/\/start$/);
    await expect(device.page.getByTestId('placement')).toContainText('Z1');
  });
}

for (const [index, language] of (['en', 'ar'] as const).entries()) {
  const t = catalog(language);

  test(`${language}: the seat map shows an opened room's seats by state, live, moves with the arrow keys (right to left in Arabic) and opens a seat's participant`, async ({ participant, proctor, createParticipant, sql }) => {
    const person = await createParticipant({ lockPolicy: 'device' });
    await sql.query("UPDATE exam_sessions SET seating = 'fixed' WHERE id = ?", [person.sessionId]);
    const [room] = await sql.query<mysql.ResultSetHeader>('INSERT INTO rooms (session_id, name, created_at) VALUES (?, ?, UTC_TIMESTAMP(3))', [person.sessionId, 'Hall S']);
    const labels = ['A1', 'A2', 'A3', 'B1', 'B2'];
    await sql.query(`INSERT INTO seats (room_id, label, position, draw) VALUES ${labels.map(() => '(?, ?, ?, ?)').join(', ')}`, labels.flatMap((label, i) => [room.insertId, label, i, 100 + i]));
    await sql.query("UPDATE participants SET room_id = ?, seat = 'A1' WHERE code = ?", [room.insertId, person.code]);
    const [classmate] = await sql.query<mysql.ResultSetHeader>(
      "INSERT INTO participants (session_id, code, full_name, status, status_updated_at, room_id, seat) VALUES (?, ?, 'Grace Hopper', 'unused', UTC_TIMESTAMP(3), ?, 'B2')",
      [person.sessionId, `S${index}${person.code.slice(-6)}`, room.insertId],
    );
    await sql.query('UPDATE seats SET holder_id = (SELECT id FROM participants WHERE code = ?) WHERE room_id = ? AND label = ?', [person.code, room.insertId, 'A1']);
    await sql.query('UPDATE seats SET holder_id = ? WHERE room_id = ? AND label = ?', [classmate.insertId, room.insertId, 'B2']);

    const watcher = await proctor(0, { locale: language });
    await watcher.openDashboard(person.sessionId);
    await watcher.page.getByRole('region', { name: t['rooms.title'] }).getByRole('row', { name: /Hall S/ }).getByRole('button').click();
    const map = watcher.page.getByRole('grid');
    const seat = (label: string) => map.locator('button', { hasText: new RegExp(`^${label}$`) });
    await expect(map.getByRole('row')).toHaveCount(2);
    await expect(seat('A1')).toHaveAttribute('aria-label', new RegExp(t['seatMap.state.expected']!));
    await expect(seat('A2')).toHaveAttribute('aria-label', new RegExp(t['seatMap.state.free']!));

    // Live: the participant checks in, and their seat turns "checked in" without a reload.
    await (await participant(`127.0.49.${index + 1}`, 0, { locale: language })).checkIn(person);
    await expect(seat('A1')).toHaveClass(/seat-present/);
    await expect(seat('A1')).toHaveAttribute('aria-label', new RegExp(`${person.fullName}.*${t['seatMap.state.present']}`));
    await expectAccessible(watcher.page, 'seat map', '.seat-map');

    // One tab stop; the arrow keys move along the row (toward the row's end: right in English, left in Arabic) and down.
    await seat('A1').focus();
    await watcher.page.keyboard.press(language === 'ar' ? 'ArrowLeft' : 'ArrowRight');
    await expect(seat('A2')).toBeFocused();
    await watcher.page.keyboard.press('ArrowDown');
    await expect(seat('B2')).toBeFocused();
    await expect(map.locator('button[tabindex="0"]')).toHaveCount(1);

    // Enter on a seat opens its participant in the table.
    await watcher.page.keyboard.press('Enter');
    await expect(watcher.page.getByRole('searchbox', { name: t['table.search.label'] })).toHaveValue(`S${index}${person.code.slice(-6)}`);
    await expect(watcher.page.locator('.grid-scroll [role="row"]')).toHaveCount(1);

    // At a phone's width the rooms overview and the seat map scroll inside their panels, never the page.
    await watcher.page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => watcher.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });
}
