import { randomBytes } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import type { RowDataPacket } from 'mysql2/promise';
import { expect, test } from './support/fixtures.ts';

test.describe('webhooks on the dashboard', () => {
  test('when a session’s webhook receiver is unreachable, then the dashboard shows it failing with the error and what waits', async ({ participant, proctor, createParticipant, sql }) => {
    const person = await createParticipant({ lockPolicy: 'device' });
    // A port that was just free: nothing listens there, so every delivery is refused.
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const receiverUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/hooks`;
    await new Promise((resolve) => closed.close(resolve));
    await sql.query("INSERT INTO webhook_subscriptions (session_id, url, secret, event_types, created_at, active_from) VALUES (?, ?, ?, '*', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))", [
      person.sessionId,
      receiverUrl,
      randomBytes(24),
    ]);
    const laptop = await participant('127.0.59.1');
    await laptop.checkIn(person);
    await expect(laptop.page).toHaveURL(/\/start$/);
    await expect
      .poll(async () => {
        const [[row]] = await sql.query<RowDataPacket[]>('SELECT failing_since FROM webhook_subscriptions WHERE session_id = ?', [person.sessionId]);
        return row?.failing_since ?? null;
      })
      .not.toBeNull();

    const watcher = await proctor();
    await watcher.openDashboard(person.sessionId);

    const failing = watcher.page.getByRole('region', { name: 'Exam settings' }).locator('.webhook-failing');
    await expect(failing).toContainText(receiverUrl);
    await expect(failing).toContainText(/failing since .*ECONNREFUSED.*1 waiting/);
  });
});
