import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.ts';
import { catalog, expectAccessible } from './support/catalogs.ts';

// The x-axis labels in the order they stand on the screen, left to right.
async function ticksLeftToRight(page: Page): Promise<string[]> {
  return page.locator('.arrivals .recharts-xAxis .recharts-cartesian-axis-tick').evaluateAll((ticks) =>
    ticks.map((tick) => ({ x: tick.getBoundingClientRect().left, text: tick.textContent ?? '' })).sort((a, b) => a.x - b.x).map((tick) => tick.text),
  );
}

for (const language of ['en', 'ar'] as const) {
  const t = catalog(language);

  test(`${language}: the arrival curve shows check-ins against the number expected and conflicts, live, right to left in Arabic, with a table behind it`, async ({ participant, proctor, createParticipant, sql }) => {
    const person = await createParticipant();
    const early = { code: person.code.replace('E2E-', 'EA-'), fullName: `Early ${person.fullName}`, sessionId: person.sessionId };
    await sql.query("INSERT INTO participants (session_id, code, full_name, status, status_updated_at) VALUES (?, ?, ?, 'unused', UTC_TIMESTAMP(3))", [person.sessionId, early.code, early.fullName]);
    const base = language === 'en' ? 1 : 11;
    const earlyDevice = await participant(`127.0.63.${base}`);
    await earlyDevice.checkIn(early);
    await expect(earlyDevice.page).toHaveURL(/\/start$/);
    // Arrived four minutes ago, so that the curve spans several minutes.
    await sql.query('UPDATE participants SET entered_at = entered_at - INTERVAL 4 MINUTE WHERE code = ?', [early.code]);
    const watcher = await proctor(0, { locale: language });
    await watcher.openDashboard(person.sessionId);
    const panel = watcher.page.getByRole('region', { name: t['arrivals.title'] });
    const summary = panel.getByTestId('arrivals-summary');
    await expect(summary).toContainText(language === 'en' ? '1 of 2 checked in' : '');

    const holder = await participant(`127.0.63.${base + 1}`);
    const intruder = await participant(`127.0.63.${base + 2}`);
    await holder.checkIn(person);
    await expect(holder.page).toHaveURL(/\/start$/);
    await intruder.checkIn(person);
    await expect(intruder.page.getByRole('alert')).toBeVisible();

    // Live: within the curve's few seconds of refresh, without a reload.
    if (language === 'en') await expect(summary).toHaveText('2 of 2 checked in. Last 10 minutes: 0 refused attempts, 1 conflict.');
    else await expect(summary).toContainText('تعارض واحد');
    await expect(panel.locator('.recharts-wrapper > svg.recharts-surface')).toBeVisible();
    // The picture is for the eye; the sentence and the table say it to a screen reader.
    await expect(panel.locator('.arrival-chart')).toHaveAttribute('aria-hidden', 'true');
    await expect.poll(async () => (await ticksLeftToRight(watcher.page)).length).toBeGreaterThan(1);
    const ticks = await ticksLeftToRight(watcher.page);
    const sorted = [...ticks].sort();
    expect(ticks).toEqual(language === 'ar' ? sorted.reverse() : sorted);

    await panel.getByText(t['arrivals.asTable']!).click();
    const rows = panel.getByRole('table').getByRole('row');
    // A row per minute in which something happened: the early arrival's, and the holder's and the intruder's
    // (one minute, or two when a minute ended between them; seen on a busy CI machine).
    const [[{ minutes }]] = (await sql.query(
      `SELECT COUNT(DISTINCT m) AS minutes FROM (
         SELECT DATE_FORMAT(entered_at, '%Y-%m-%d %H:%i') AS m FROM participants WHERE code IN (?, ?)
         UNION ALL SELECT DATE_FORMAT(created_at, '%Y-%m-%d %H:%i') FROM audit_events WHERE code = ? AND event_type = 'device_conflict') AS happened`,
      [early.code, person.code, person.code],
    )) as unknown as [[{ minutes: number }]];
    expect([2, 3]).toContain(Number(minutes));
    await expect(rows).toHaveCount(1 + Number(minutes));
    await expect(rows.last()).toContainText('2');
    await expectAccessible(watcher.page, 'arrival curve', '.arrivals');
  });
}
