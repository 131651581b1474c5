import type mysql from 'mysql2/promise';
import { expect, test } from './support/fixtures.ts';
import { catalog, expectAccessible } from './support/catalogs.ts';

for (const [index, language] of (['en', 'ar'] as const).entries()) {
  const t = catalog(language);

  test(`${language}: a room proctor lands on their room and sees only it, live, while the chief's overview counts every room`, async ({ participant, proctor, createParticipant, sql }) => {
    const person = await createParticipant({ lockPolicy: 'device' });
    const rooms: Record<'own' | 'other', number> = { own: 0, other: 0 };
    for (const [which, name] of [['own', 'Hall R'], ['other', 'Hall Q']] as const) {
      const [room] = await sql.query<mysql.ResultSetHeader>('INSERT INTO rooms (session_id, name, created_at) VALUES (?, ?, UTC_TIMESTAMP(3))', [person.sessionId, name]);
      rooms[which] = room.insertId;
    }
    await sql.query('UPDATE participants SET room_id = ? WHERE code = ?', [rooms.own, person.code]);
    const classmate = { code: `Q${index}${person.code.slice(-6)}`, fullName: 'Grace Hopper', sessionId: person.sessionId };
    await sql.query("INSERT INTO participants (session_id, code, full_name, status, status_updated_at, room_id) VALUES (?, ?, ?, 'unused', UTC_TIMESTAMP(3), ?)", [
      person.sessionId, classmate.code, classmate.fullName, rooms.other,
    ]);

    const chief = await proctor(0, { locale: language });
    const hall = await proctor(0, { locale: language });
    // As `npm run cli -- proctor assign <name> --role room --rooms "<session>/Hall R"` leaves it.
    await sql.query("UPDATE proctors SET role = 'room' WHERE username = ?", [hall.username]);
    await sql.query('INSERT INTO proctor_rooms (proctor_id, room_id) SELECT id, ? FROM proctors WHERE username = ?', [rooms.own, hall.username]);
    await chief.openDashboard(person.sessionId);
    await hall.openDashboard(person.sessionId);

    const overviewRows = (page: typeof chief.page) => page.getByRole('region', { name: t['rooms.title'] }).locator('tbody tr');
    await expect(overviewRows(chief.page)).toHaveCount(2);
    await expect(overviewRows(hall.page)).toHaveCount(1);
    await expect(overviewRows(hall.page)).toContainText('Hall R');
    // Landed on their room: the room chip is on, and only their participant is listed.
    await expect(hall.page.locator('.room-filter')).toContainText('Hall R');
    const hallRows = hall.page.locator('.grid-scroll [role="row"]');
    await expect(hallRows).toHaveCount(1);
    await expect(hallRows).toContainText(person.code);
    // No whole-session panels, no settings to change.
    await expect(hall.page.getByRole('button', { name: t['session.change'] })).toHaveCount(0);
    await expect(hall.page.getByRole('region', { name: t['arrivals.title'] })).toHaveCount(0);
    await expect(chief.page.getByRole('button', { name: t['session.change'] })).toHaveCount(1);

    // Live: the other hall's check-in moves the chief's overview, never the room proctor's view.
    await (await participant(`127.0.77.${index * 2 + 1}`, 0, { locale: language })).checkIn(classmate);
    const present = (row: ReturnType<typeof overviewRows>) => row.getByRole('cell').nth(1);
    await expect(present(overviewRows(chief.page).filter({ hasText: 'Hall Q' }))).toHaveText('1');
    await (await participant(`127.0.77.${index * 2 + 2}`, 0, { locale: language })).checkIn(person);
    await expect(present(overviewRows(hall.page))).toHaveText('1');
    await expect(hallRows).toHaveCount(1);
    // A refused device in the other hall: on the chief's activity feed, not on the room proctor's.
    await (await participant(`127.0.77.${index * 2 + 21}`, 0, { locale: language })).checkIn(classmate);
    await expect(chief.page.locator('.panel.activity')).toContainText(classmate.code);
    await expect(hall.page.locator('.panel.activity')).toBeVisible();
    await expect(hall.page.locator('.panel.activity')).not.toContainText(classmate.code);
    await expectAccessible(hall.page, 'room proctor dashboard');

    // The chief moves the room proctor's participant to the other hall: they leave the room proctor's list
    // and room overview live, and join the other hall's row of the chief's overview.
    const moved = await chief.page.request.post(`/api/proctor/participants/${person.code}/seat`, {
      data: { reason: 'sits the exam in Hall Q', room: 'Hall Q', seat: null, expectedRoom: 'Hall R', expectedSeat: null },
      headers: { 'x-csrf-token': await chief.page.evaluate<string>(`fetch('/api/proctor/session').then((answer) => answer.json()).then((session) => session.csrfToken)`) },
    });
    expect(moved.status()).toBe(200);
    await expect(hallRows).toHaveCount(0);
    await expect(present(overviewRows(hall.page))).toHaveText('0');
    await expect(present(overviewRows(chief.page).filter({ hasText: 'Hall Q' }))).toHaveText('2');
  });
}
