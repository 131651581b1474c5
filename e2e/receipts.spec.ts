import { expect, test } from './support/fixtures.ts';
import { RECEIPT_ALPHABET } from '../contracts/receipt.ts';
import { catalog, expectAccessible } from './support/catalogs.ts';

for (const [index, language] of (['en', 'ar'] as const).entries()) {
  const t = catalog(language);

  test(`${language}: a participant keeps the same receipt across a refresh, and a proctor who types it finds the check-in`, async ({ participant, proctor, createParticipant, sql }) => {
    const person = await createParticipant();
    const device = await participant(`127.0.39.${index + 1}`, 0, { locale: language });

    await device.checkIn(person);

    await expect(device.page).toHaveURL(/\/start$/);
    const receiptText = device.page.getByTestId('receipt');
    await expect(receiptText).toHaveText(/^[2-9A-Z]{5}-[2-9A-Z]{5}$/);
    await expect(device.page.getByText(t['start.receipt']!)).toBeVisible();
    const receipt = (await receiptText.textContent())!;
    await device.page.reload();
    await expect(device.page.getByTestId('receipt')).toHaveText(receipt);

    await sql.query("INSERT INTO participants (session_id, code, full_name, status, status_updated_at) VALUES (?, ?, 'Grace Hopper', 'unused', UTC_TIMESTAMP(3))", [
      person.sessionId,
      `B${person.code}`,
    ]);
    const watcher = await proctor(0, { locale: language });
    await watcher.openDashboard(person.sessionId);
    const search = watcher.page.getByRole('searchbox', { name: t['table.search.label'] });
    await search.fill(receipt.toLowerCase().replace('-', ' '));

    const match = watcher.page.getByTestId('receipt-match');
    await expect(match).toContainText(person.fullName);
    await expect(match).toContainText(person.code);
    await expect(match).toContainText(t['receipt.holds']!);
    const [[row]] = (await sql.query("SELECT id FROM audit_events WHERE code = ? AND event_type = 'checked_in'", [person.code])) as unknown as [[{ id: number }]];
    await expect(match).toContainText(String(row.id));
    const rows = watcher.page.locator('.grid-scroll [role="row"]');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText(person.code);
    await expectAccessible(watcher.page, 'receipt found', '[data-testid="receipt-match"]');

    await search.fill('22222-22222');
    await expect(match).toContainText(t['receipt.none']!.split('{receipt}')[0]!.trim());
    await expectAccessible(watcher.page, 'receipt not found', '[data-testid="receipt-match"]');

    // A participant code that only looks like a receipt finds its row, with no "no such receipt" beside it.
    const lookalike = Array.from({ length: 10 }, () => RECEIPT_ALPHABET[Math.floor(Math.random() * RECEIPT_ALPHABET.length)]).join('');
    await sql.query("INSERT INTO participants (session_id, code, full_name, status, status_updated_at) VALUES (?, ?, 'Code Like A Receipt', 'unused', UTC_TIMESTAMP(3))", [person.sessionId, lookalike]);
    await watcher.page.reload();
    await watcher.page.getByRole('searchbox', { name: t['table.search.label'] }).fill(lookalike);
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('Code Like A Receipt');
    await expect(match).toBeHidden();
  });
}
