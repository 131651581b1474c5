import type { Page } from '@playwright/test';
import { arrangeConflict, auditEventTime, expect, LIVE_WITHIN_MS, test, watchForAppearance } from './support/fixtures.ts';

const sessionName = async (sql: import('mysql2/promise').Connection, id: number) => {
  const [[row]] = (await sql.query('SELECT name FROM exam_sessions WHERE id = ?', [id])) as unknown as [[{ name: string }]];
  return row.name;
};

// Nothing of the page may need sideways scrolling, and every named control must lie inside the viewport.
async function expectFitsViewport(page: Page, controls: ReturnType<Page['getByRole']>[]) {
  const overflow = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    table: Array.from(document.querySelectorAll('.grid-table, .grid-scroll')).map((el) => el.scrollWidth - el.clientWidth),
  }));
  expect(overflow.page).toBeLessThanOrEqual(0);
  for (const excess of overflow.table) expect(excess).toBeLessThanOrEqual(0);
  const width = page.viewportSize()!.width;
  for (const control of controls) {
    const box = (await control.boundingBox())!;
    expect(box, String(control)).not.toBeNull();
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(width);
  }
}

test.describe('the dashboard across exam sessions', () => {
  test('when a conflict happens in another session, then a banner names it, one click shows it, the switcher counts it, and "All sessions" lists it live', async ({
    participant,
    proctor,
    createParticipant,
    sql,
  }) => {
    const quiet = await createParticipant();
    const busy = await createParticipant();
    const busyName = await sessionName(sql, busy.sessionId);
    const watcher = await proctor();
    await watcher.openDashboard(quiet.sessionId);

    const bannerShown = await watchForAppearance(watcher.page, '.other-sessions', `${busyName}: 1 open conflict, 0 requests`);
    await arrangeConflict(await participant('127.0.32.1'), await participant('127.0.32.2'), busy);

    expect((await bannerShown()) - (await auditEventTime(sql, busy.code, 'device_conflict'))).toBeLessThanOrEqual(LIVE_WITHIN_MS);
    const banner = watcher.page.getByRole('status').filter({ hasText: 'Also needs a proctor' });
    await expect(banner).toContainText(`${busyName}: 1 open conflict, 0 requests`);
    const switcher = watcher.page.getByLabel('Exam session');
    await expect(switcher.locator('option', { hasText: busyName })).toHaveText(`${busyName} — 1 conflict, 0 requests`);

    await banner.getByRole('button', { name: `Show ${busyName}` }).click();
    await expect(watcher.page.getByRole('heading', { level: 1 })).toHaveText(busyName);
    await expect(watcher.page.getByRole('listitem', { name: `${busy.fullName}, ${busy.code}` })).toBeVisible();
    await expect(watcher.page).toHaveURL(new RegExp(`session=${busy.sessionId}$`));

    await switcher.selectOption('all');
    await expect(watcher.page.getByRole('heading', { level: 1 })).toHaveText('All sessions');
    await expect(watcher.page.getByRole('row').filter({ hasText: busy.code })).toContainText(busyName);
    // A new conflict elsewhere reaches the all-sessions view without a reload.
    const later = await createParticipant();
    const rowShown = await watchForAppearance(watcher.page, '[role="row"]', later.code);
    await arrangeConflict(await participant('127.0.32.3'), await participant('127.0.32.4'), later);
    expect((await rowShown()) - (await auditEventTime(sql, later.code, 'device_conflict'))).toBeLessThanOrEqual(LIVE_WITHIN_MS);
    await expect(watcher.page.getByRole('row').filter({ hasText: later.code })).toBeVisible();

    // The choice is remembered: the dashboard opened without a session in the address comes back to it.
    await watcher.page.goto('/proctor');
    await expect(watcher.page.getByRole('heading', { level: 1 })).toHaveText('All sessions');
  });

  test('when a participant is throttled after typos, then the row says so and "Let try again" lets them in at once', async ({ proctor, createParticipant, environment }) => {
    const person = await createParticipant();
    const watcher = await proctor();
    await watcher.openDashboard(person.sessionId);
    const post = (fullName: string) =>
      fetch(`${environment.servers[0]!.baseUrl}/api/check-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: person.code, fullName }) });
    for (let i = 0; i < 10; i++) await post(`Typo ${i}`);
    expect((await post(person.fullName)).status).toBe(429);

    const row = watcher.page.getByRole('row').filter({ hasText: person.code });
    await expect(row).toContainText('throttled');
    await row.getByRole('button', { name: `Let try again ${person.code}` }).click();
    const dialog = watcher.page.getByRole('dialog', { name: `Let ${person.code} try again now?` });
    await dialog.getByLabel('Reason').fill('typed her name wrong');
    await dialog.getByRole('button', { name: 'Let try again' }).click();

    await expect(row).not.toContainText('throttled');
    expect((await post(person.fullName)).status).toBe(200);
    await expect(watcher.page.getByRole('region', { name: 'Activity' })).toContainText(`${watcher.username} let ${person.code} try again`);
  });
});

test.describe('layout', () => {
  test('when the dashboard is shown at 1280 × 800, then every column and each row\'s actions are visible without scrolling sideways', async ({ proctor, participant, createParticipant }) => {
    const person = await createParticipant();
    await arrangeConflict(await participant('127.0.33.1'), await participant('127.0.33.2'), person);
    const watcher = await proctor();
    await watcher.page.setViewportSize({ width: 1280, height: 800 });
    await watcher.openDashboard(person.sessionId);
    const row = watcher.page.getByRole('row').filter({ hasText: person.code });

    const headers = ['Code', 'Name', 'Status', 'Lock holder', 'Locked at', 'Refused', 'Actions'].map((name) => watcher.page.getByRole('columnheader', { name }));
    await expectFitsViewport(watcher.page, [...headers, row.getByRole('button', { name: `Reset ${person.code}` }), row.getByRole('button', { name: `Expire ${person.code}` })]);
  });

  test('when the dashboard is shown on a phone, then each participant is a card with state, lock holder and actions, and nothing scrolls sideways', async ({ proctor, participant, createParticipant }) => {
    const person = await createParticipant();
    await arrangeConflict(await participant('127.0.33.3'), await participant('127.0.33.4'), person);
    const watcher = await proctor();
    await watcher.page.setViewportSize({ width: 390, height: 844 });
    await watcher.openDashboard(person.sessionId);
    const card = watcher.page.getByRole('row').filter({ hasText: person.code });

    await card.scrollIntoViewIfNeeded();
    await expect(card).toContainText('In progress');
    await expect(card).toContainText('127.0.33.3');
    await expectFitsViewport(watcher.page, [card.getByRole('button', { name: `Reset ${person.code}` }), card.getByRole('button', { name: `Expire ${person.code}` })]);
    const show = watcher.page.getByLabel('Show');
    const showLabel = watcher.page.locator('label', { hasText: 'Show' }).first();
    const [labelBox, selectBox] = [await showLabel.boundingBox(), await show.boundingBox()];
    // The "Show" label stays on the line of its dropdown.
    expect(Math.abs(labelBox!.y + labelBox!.height / 2 - (selectBox!.y + selectBox!.height / 2))).toBeLessThan(selectBox!.height);
  });
});
