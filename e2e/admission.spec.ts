import { startExamPlatform } from './support/exam-platform.ts';
import { expect, test } from './support/fixtures.ts';

test.describe('on to the exam with an admission token', () => {
  test('when the proctor sets the exam’s address and a participant checks in and presses Continue, then the exam platform admits them; a refused device cannot get there', async ({
    participant,
    proctor,
    createParticipant,
    environment,
  }) => {
    const platform = await startExamPlatform(environment.servers[0]!.baseUrl);
    try {
      const person = await createParticipant({ lockPolicy: 'device' });
      // The proctor gives the session its exam's address in the settings dialog.
      const watcher = await proctor();
      await watcher.openDashboard(person.sessionId);
      await watcher.page.getByRole('button', { name: 'Change settings…' }).click();
      const dialog = watcher.page.getByRole('dialog');
      await dialog.getByLabel('Exam platform address').fill(platform.examUrl(person.sessionId));
      await dialog.getByLabel('Reason (kept in the audit log)').fill('exam on the platform');
      await dialog.getByRole('button', { name: 'Save and apply' }).click();
      await expect(watcher.page.getByRole('region', { name: 'Exam settings' })).toContainText(platform.examUrl(person.sessionId));
      const laptop = await participant('127.0.58.1');
      await laptop.checkIn(person);
      await expect(laptop.page).toHaveURL(/\/start$/);

      await laptop.page.getByRole('button', { name: 'Continue to the exam' }).click();

      await expect(laptop.page.locator('#admitted')).toHaveText(new RegExp(`^Admitted: ${person.code} on device pk`));
      const intruder = await participant('127.0.58.2');
      await intruder.checkIn(person);
      await expect(intruder.page.getByRole('alert')).toContainText('in use on another device');
      await expect(intruder.page.getByRole('button', { name: 'Continue to the exam' })).toHaveCount(0);
      await intruder.page.goto(platform.examUrl(person.sessionId));
      await expect(intruder.page.getByRole('heading', { level: 1 })).toHaveText('Not admitted');
    } finally {
      await platform.close();
    }
  });
});
