import { expect, test } from './support/fixtures.ts';
import { catalog, expectAccessible, message } from './support/catalogs.ts';

for (const language of ['en', 'ar'] as const) {
  const t = catalog(language);

  test(`${language}: a proctor records incidents from a participant's row and for the whole session, corrects one, and another dashboard shows them live`, async ({ proctor, createParticipant }) => {
    const person = await createParticipant();
    const writer = await proctor(0, { locale: language });
    const reader = await proctor(0, { locale: language });
    await writer.openDashboard(person.sessionId);
    await reader.openDashboard(person.sessionId);
    const readerPanel = reader.page.getByRole('region', { name: t['incidents.title'] });
    await expect(readerPanel).toContainText(t['incidents.empty']!);

    await writer.page.getByRole('button', { name: `${t['table.incident']} ${person.code}` }).click();
    const dialog = writer.page.getByRole('dialog', { name: t['incidentDialog.title'] });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText(person.fullName);
    await expectAccessible(writer.page, 'incident dialog', 'dialog[open]');
    await dialog.getByLabel(t['incidentDialog.category']!).selectOption(t['incident.category.late_arrival']!);
    await dialog.getByLabel(t['incidentDialog.text']!).fill('Arrived 09:20 (bus strike)');
    await dialog.getByRole('button', { name: t['incidentDialog.save'] }).click();
    await expect(dialog).toBeHidden();

    const readerEntries = readerPanel.getByRole('listitem');
    await expect(readerEntries).toHaveCount(1);
    await expect(readerEntries.first()).toContainText('Arrived 09:20 (bus strike)');
    await expect(readerEntries.first()).toContainText(t['incident.category.late_arrival']!);
    await expect(readerEntries.first()).toContainText(person.code);
    await expect(reader.page.locator('.activity-list')).toContainText(person.code);

    await writer.page.getByRole('button', { name: t['incidents.record'] }).click();
    const whole = writer.page.getByRole('dialog', { name: t['incidentDialog.title'] });
    await whole.getByLabel(t['incidentDialog.category']!).selectOption(t['incident.category.disturbance']!);
    await whole.getByLabel(t['incidentDialog.text']!).fill('Fire alarm test 10:30–10:34');
    await whole.getByRole('button', { name: t['incidentDialog.save'] }).click();
    await expect(readerEntries).toHaveCount(2);
    await expect(readerEntries.first()).toContainText(t['incidents.wholeSession']!);

    // The reader corrects the first entry: a new entry, the first one marked, nothing edited.
    const lateEntry = readerEntries.filter({ hasText: 'Arrived 09:20' });
    await lateEntry.getByRole('button', { name: t['incidents.correct'] }).click();
    const correcting = reader.page.getByRole('dialog', { name: t['incidentDialog.correctTitle'] });
    await expect(correcting.getByLabel(t['incidentDialog.category']!)).toHaveValue('late_arrival');
    await correcting.getByLabel(t['incidentDialog.text']!).fill('Arrived 09:25, not 09:20');
    await correcting.getByRole('button', { name: t['incidentDialog.save'] }).click();

    const writerEntries = writer.page.getByRole('region', { name: t['incidents.title'] }).getByRole('listitem');
    await expect(writerEntries).toHaveCount(3);
    await expect(writerEntries.first()).toContainText('Arrived 09:25, not 09:20');
    const corrected = writerEntries.filter({ hasText: 'Arrived 09:20 (bus strike)' });
    await expect(corrected).toContainText(message(t, 'incidents.corrected', { id: '' }).trim());
    await expectAccessible(writer.page, 'incidents panel', '.incidents');
  });
}
