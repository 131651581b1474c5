import type { RowDataPacket } from 'mysql2/promise';
import { deviceKeyKind } from '../contracts/lock-policy.ts';
import { timePasses } from '../server/test/support/fixtures.ts';
import { expect, test } from './support/fixtures.ts';

const refusedElsewhere = 'in use on another device';

async function lockOf(sql: import('mysql2/promise').Connection, code: string): Promise<{ ip: string | null; device: string | null }> {
  const [[row]] = await sql.query<RowDataPacket[]>('SELECT locked_ip AS ip, locked_device AS device FROM participants WHERE code = ?', [code]);
  return row as { ip: string | null; device: string | null };
}

test.describe('a device key that cannot be copied', () => {
  test('when a second browser starts with the first one’s cookies, local storage and IndexedDB, then under device it is refused as another device', async ({
    participant,
    createParticipant,
    sql,
  }) => {
    const person = await createParticipant({ lockPolicy: 'device' });
    const laptop = await participant('127.0.55.1');
    const apiCalls: string[] = [];
    laptop.page.on('request', (sent) => {
      if (new URL(sent.url()).pathname.startsWith('/api/')) apiCalls.push(`${sent.method()} ${new URL(sent.url()).pathname}`);
    });
    await laptop.checkIn(person);
    await expect(laptop.page).toHaveURL(/\/start$/);
    const held = await lockOf(sql, person.code);
    expect(deviceKeyKind(held.device!)).toBe('bound');
    // The challenge came with the page: the signed check-in was the page's one request.
    expect(apiCalls).toEqual(['POST /api/check-in']);

    const friend = await participant('127.0.55.2', 0, { copyOf: laptop });
    // What was copied: the page's own storage came along (the check-in it remembers), and the cookies.
    expect((await friend.page.context().cookies()).map((cookie) => cookie.name).sort()).toEqual((await laptop.page.context().cookies()).map((cookie) => cookie.name).sort());
    await timePasses(sql, person.code);
    await friend.checkIn(person);

    await expect(friend.page.getByRole('alert')).toContainText(refusedElsewhere);
    expect(await lockOf(sql, person.code)).toEqual(held);
  });

  test('when the browser holding the lock moves to another network, then it is let in with the same bound key', async ({ participant, createParticipant, sql }) => {
    const person = await createParticipant({ lockPolicy: 'device' });
    const laptop = await participant('127.0.56.1');
    await laptop.checkIn(person);
    await expect(laptop.page).toHaveURL(/\/start$/);
    const before = await lockOf(sql, person.code);
    await timePasses(sql, person.code);

    await laptop.moveTo('127.0.56.2');
    await laptop.checkIn(person);

    await expect(laptop.page).toHaveURL(/\/start$/);
    expect(await lockOf(sql, person.code)).toEqual({ ip: '127.0.56.2', device: before.device });
    expect(deviceKeyKind(before.device!)).toBe('bound');
  });

  test('when a browser has no IndexedDB, then it checks in with the cookie key and the dashboard marks that lock, and says of the other that its key cannot be copied', async ({
    participant,
    proctor,
    createParticipant,
    sql,
  }) => {
    const withCookie = await createParticipant({ lockPolicy: 'device' });
    const withKey = await createParticipant({ lockPolicy: 'device' });
    const oldBrowser = await participant('127.0.57.1', 0, { withoutIndexedDb: true });
    const newBrowser = await participant('127.0.57.2');
    await oldBrowser.checkIn(withCookie);
    await newBrowser.checkIn(withKey);
    await expect(oldBrowser.page).toHaveURL(/\/start$/);
    await expect(newBrowser.page).toHaveURL(/\/start$/);
    expect(deviceKeyKind((await lockOf(sql, withCookie.code)).device!)).toBe('cookie');
    expect(deviceKeyKind((await lockOf(sql, withKey.code)).device!)).toBe('bound');

    const watcher = await proctor();
    await watcher.openDashboard(withCookie.sessionId);
    const cookieRow = watcher.page.getByRole('row').filter({ hasText: withCookie.code });
    await expect(cookieRow).toContainText('127.0.57.1');
    await expect(cookieRow.locator('.key-kind')).toHaveText(/cookie key/);
    await expect(cookieRow.locator('.key-kind')).toHaveAttribute('title', /can be copied/);
    await watcher.openDashboard(withKey.sessionId);
    const keyRow = watcher.page.getByRole('row').filter({ hasText: withKey.code });
    await expect(keyRow).toContainText('127.0.57.2');
    await expect(keyRow.locator('.key-kind')).toHaveCount(0);
    await expect(keyRow.locator('.fingerprint')).toHaveAttribute('title', /cannot be copied to another machine/);
  });
});
