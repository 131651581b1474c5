import { createHash, randomBytes } from 'node:crypto';
import { auditEventTime, expect, LIVE_WITHIN_MS, test, watchForAppearance } from './support/fixtures.ts';

test.describe('roster sync on the dashboard', () => {
  test('when an exam platform syncs a roster that renames one participant and leaves another out, then the dashboard shows both live, and the left-out code is refused', async ({
    participant,
    proctor,
    createParticipant,
    environment,
    sql,
  }) => {
    const stays = await createParticipant();
    const leaves = { code: `WD-${randomBytes(4).toString('hex').toUpperCase()}`, fullName: 'Grace Hopper', sessionId: stays.sessionId };
    await sql.query("INSERT INTO participants (session_id, code, full_name, status, status_updated_at) VALUES (?, ?, ?, 'unused', UTC_TIMESTAMP(3))", [leaves.sessionId, leaves.code, leaves.fullName]);
    // As `npm run cli -- token create` stores it: the SHA-256 of the token.
    const token = `egt_${randomBytes(32).toString('base64url')}`;
    await sql.query("INSERT INTO api_tokens (session_id, name, token_hash, scopes, created_at) VALUES (?, 'moodle', ?, 'roster:write', UTC_TIMESTAMP(3))", [
      stays.sessionId,
      createHash('sha256').update(token).digest('hex'),
    ]);
    const watcher = await proctor();
    await watcher.openDashboard(stays.sessionId);
    const withdrawnShown = await watchForAppearance(watcher.page, '[role="row"]', 'withdrawn');

    const synced = await fetch(`${environment.servers[0]!.baseUrl}/api/sessions/${stays.sessionId}/roster`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ participants: [{ code: stays.code, fullName: `${stays.fullName} Byron` }] }),
    });

    expect(await synced.json()).toEqual({ added: [], renamed: [stays.code], withdrawn: [leaves.code], reinstated: [], unchanged: 0 });
    expect((await withdrawnShown()) - (await auditEventTime(sql, leaves.code, 'withdrawn'))).toBeLessThanOrEqual(LIVE_WITHIN_MS);
    const leftOut = watcher.page.getByRole('row').filter({ hasText: leaves.code });
    await expect(leftOut).toContainText('Expired');
    await expect(leftOut.locator('.tag-withdrawn')).toHaveAttribute('title', /Left out of the roster/);
    await expect(watcher.page.getByRole('row').filter({ hasText: stays.code })).toContainText(`${stays.fullName} Byron`);
    await expect(watcher.page.getByRole('region', { name: 'Activity' })).toContainText(`${leaves.code} withdrawn by token:moodle: left out of the roster`);

    const laptop = await participant('127.0.61.1');
    await laptop.checkIn(leaves);
    await expect(laptop.page.getByRole('alert')).toContainText('This code has expired');
  });
});
