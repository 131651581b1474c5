// npm run screenshots: the main page states in English and Arabic, at desktop and phone width, written to
// docs/screenshots/ (linked from the README). Runs its own throwaway database and server.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from '@playwright/test';
import mysql from 'mysql2/promise';
import { startDeviceForwarder } from '../e2e/support/device-forwarder.ts';
import { startServerProcess } from '../e2e/support/server-process.ts';
import { ensureClientBuild } from '../server/src/lib/client-build.ts';
import { startLocalDatabase } from '../server/src/lib/local-database.ts';
import { migrate } from '../server/src/lib/migrate.ts';
import { hashPassword } from '../server/src/proctor-auth/password.ts';

const OUT = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
const LANGUAGES = ['en', 'ar'] as const;
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(Boolean)!;

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'examgate-shots-'));
const local = await startLocalDatabase({ dataDir, database: 'examgate_shots', durable: false });
let browser: Browser | undefined;
const cleanups: (() => Promise<void>)[] = [];
try {
  await ensureClientBuild((line) => process.stdout.write(`${line}\n`));
  await migrate(local.url);
  const server = await startServerProcess({ DATABASE_URL: local.url });
  cleanups.push(() => server.stop());
  const sql = await mysql.createConnection({ uri: local.url, timezone: 'Z' });
  cleanups.push(() => sql.end());
  const [exam] = await sql.query<mysql.ResultSetHeader>(
    "INSERT INTO exam_sessions (name, created_at, lock_policy, allowed_networks, opens_at, time_zone) VALUES ('Mathematics final', UTC_TIMESTAMP(3), 'device', '127.0.0.0/8,10.20.0.0/16', UTC_TIMESTAMP(3) - INTERVAL 10 MINUTE, 'Europe/Berlin')",
  );
  const [later] = await sql.query<mysql.ResultSetHeader>(
    "INSERT INTO exam_sessions (name, created_at, lock_policy, opens_at, time_zone) VALUES ('Physics resit', UTC_TIMESTAMP(3), 'device', UTC_TIMESTAMP(3) + INTERVAL 25 MINUTE, 'Asia/Dubai')",
  );
  const names = ['Amira Haddad', 'José Álvarez', 'Zoë Müller', '李明', 'محمد علي', 'Søren Lindqvist', 'Aiko Tanaka', 'Chidi Okafor', 'Élodie Moreau', 'Priya Raman', 'Nguyễn Văn An', 'Fatma Yılmaz'];
  const people = names.map((fullName, i) => ({ code: `MATH-${String(1001 + i)}`, fullName }));
  for (const person of people) {
    await sql.query("INSERT INTO participants (session_id, code, full_name, status, status_updated_at) VALUES (?, ?, ?, 'unused', UTC_TIMESTAMP(3))", [exam.insertId, person.code, person.fullName]);
  }
  // Two halls with seat plans, seats drawn at check-in: the start screen and the rows show room and seat.
  await sql.query("UPDATE exam_sessions SET seating = 'at_check_in' WHERE id = ?", [exam.insertId]);
  for (const [index, hall] of ['Hall A', 'Hall B'].entries()) {
    const [room] = await sql.query<mysql.ResultSetHeader>('INSERT INTO rooms (session_id, name, created_at) VALUES (?, ?, UTC_TIMESTAMP(3))', [exam.insertId, hall]);
    const labels = Array.from({ length: 10 }, (_, i) => `${hall.at(-1)}${i + 1}`);
    await sql.query(`INSERT INTO seats (room_id, label, position, draw) VALUES ${labels.map(() => '(?, ?, ?, FLOOR(RAND() * 2147483648))').join(', ')}`, labels.flatMap((label, i) => [room.insertId, label, i]));
    await sql.query('UPDATE participants SET room_id = ? WHERE code IN (?)', [room.insertId, people.filter((_, i) => i % 2 === index).map((person) => person.code)]);
  }
  await sql.query("INSERT INTO participants (session_id, code, full_name, status, status_updated_at) VALUES (?, 'PHYS-2001', 'Leila Karimi', 'unused', UTC_TIMESTAMP(3))", [later.insertId]);
  // Another session in the same hall, with a conflict of its own: the dashboard's banner names it.
  const [other] = await sql.query<mysql.ResultSetHeader>("INSERT INTO exam_sessions (name, created_at, lock_policy, time_zone) VALUES ('Chemistry midterm', UTC_TIMESTAMP(3), 'device', 'Europe/Berlin')");
  await sql.query("INSERT INTO participants (session_id, code, full_name, status, status_updated_at) VALUES (?, 'CHEM-3001', 'Omar Farouk', 'unused', UTC_TIMESTAMP(3))", [other.insertId]);
  await sql.query("INSERT INTO proctors (username, password_hash, created_at) VALUES ('alice', ?, UTC_TIMESTAMP(3))", [await hashPassword('screenshots-password')]);

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  await mkdir(OUT, { recursive: true });
  const device = async (ip: string, language: string, viewport: { width: number; height: number }) => {
    const forwarder = await startDeviceForwarder(ip, server.port);
    cleanups.push(() => forwarder.close());
    const context = await browser!.newContext({ baseURL: forwarder.url, locale: language, viewport, userAgent: ip.endsWith('.2') ? 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15' : 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0' });
    return context.newPage();
  };
  const shot = async (page: Page, name: string) => {
    await page.screenshot({ path: path.join(OUT, `${name}.png`) });
    process.stdout.write(`  ${name}.png\n`);
  };
  const fill = async (page: Page, code: string, fullName: string) => {
    await page.goto('/');
    await page.locator('input[name=code]').fill(code);
    await page.locator('input[name=fullName]').fill(fullName);
    await page.locator('button[type=submit]').click();
  };

  let next = 0;
  for (const language of LANGUAGES) {
    for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
      const prefix = `${language}-${viewportName}`;
      const person = people[next++]!;
      const holder = await device(`127.0.${70 + next}.1`, language, viewport);
      await holder.goto('/');
      await shot(holder, `${prefix}-check-in`);
      await fill(holder, person.code, 'Someone Else');
      await holder.locator('.notice').waitFor();
      await shot(holder, `${prefix}-refused-not-recognised`);
      await fill(holder, 'PHYS-2001', 'Leila Karimi');
      await holder.locator('.notice').waitFor();
      await shot(holder, `${prefix}-refused-not-open-yet`);
      await fill(holder, person.code, person.fullName);
      await holder.waitForURL(/\/start$/);
      await shot(holder, `${prefix}-start`);
      const second = await device(`127.0.${70 + next}.2`, language, viewport);
      await fill(second, person.code, person.fullName);
      await second.locator('.notice').waitFor();
      await shot(second, `${prefix}-refused-other-device`);
      await second.locator('.device-change button').click();
      await second.locator('.device-change[role=status]').waitFor();
      await shot(second, `${prefix}-device-change-requested`);
    }
  }
  // A conflict that stays open for the dashboard, next to the pending request.
  const spare = people[next]!;
  await fill(await device('127.0.90.1', 'en', VIEWPORTS.desktop), spare.code, spare.fullName);
  const intruder = await device('127.0.90.2', 'en', VIEWPORTS.desktop);
  await fill(intruder, spare.code, spare.fullName);
  await intruder.locator('.notice').waitFor();
  await fill(await device('127.0.90.3', 'en', VIEWPORTS.desktop), 'CHEM-3001', 'Omar Farouk');
  const chemIntruder = await device('127.0.90.4', 'en', VIEWPORTS.desktop);
  await fill(chemIntruder, 'CHEM-3001', 'Omar Farouk');
  await chemIntruder.locator('.notice').waitFor();
  // A participant who mistyped their name ten times, now throttled.
  const typist = people[next + 1]!;
  for (let i = 0; i < 10; i++) {
    await fetch(`${server.baseUrl}/api/check-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: typist.code, fullName: `${typist.fullName} ${i}` }) });
  }

  // What proctors wrote down: a late arrival and a fire alarm for the whole session.
  const login = await fetch(`${server.baseUrl}/api/proctor/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'screenshots-password' }) });
  const proctorHeaders = { 'content-type': 'application/json', cookie: login.headers.get('set-cookie')!.split(';')[0]!, 'x-csrf-token': ((await login.json()) as { csrfToken: string }).csrfToken };
  for (const incident of [
    { sessionId: exam.insertId, participantCode: people[2]!.code, category: 'late_arrival', text: 'Arrived 09:12: the tram was stopped' },
    { sessionId: exam.insertId, category: 'disturbance', text: 'Fire alarm test 09:30–09:33; time added at the end' },
  ]) {
    const recorded = await fetch(`${server.baseUrl}/api/proctor/incidents`, { method: 'POST', headers: proctorHeaders, body: JSON.stringify(incident) });
    if (recorded.status !== 201) throw new Error(`incident not recorded: ${recorded.status}`);
  }

  // From here on the mathematics final asks for room codes: the check-in page shows the field, an opened
  // room its code.
  await sql.query("UPDATE exam_sessions SET room_codes = 'required' WHERE id = ?", [exam.insertId]);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  for (const language of LANGUAGES) {
    const page = await device('127.0.91.1', language, VIEWPORTS.phone);
    await page.goto('/');
    await page.locator('input[name=roomCode]').waitFor();
    await shot(page, `${language}-phone-check-in-room-code`);
  }

  for (const language of LANGUAGES) {
    for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
      const prefix = `${language}-${viewportName}`;
      const context = await browser.newContext({ baseURL: server.baseUrl, locale: language, viewport });
      const page = await context.newPage();
      await page.goto('/proctor/login');
      await shot(page, `${prefix}-login`);
      await page.locator('input[autocomplete=username]').fill('alice');
      await page.locator('input[type=password]').fill('screenshots-password');
      await page.locator('button[type=submit]').click();
      await page.waitForURL(/\/proctor$/);
      await page.goto(`/proctor?session=${exam.insertId}`);
      await page.locator('.live-live').waitFor();
      await page.locator('.feed-item').first().waitFor();
      await page.locator('.other-sessions').waitFor();
      await page.locator('.arrivals .recharts-wrapper > svg').waitFor();
      await shot(page, `${prefix}-dashboard-screen`);
      await page.screenshot({ path: path.join(OUT, `${prefix}-dashboard.png`), fullPage: true });
      process.stdout.write(`  ${prefix}-dashboard.png (whole page)\n`);
      await page.locator('.feed-item:not(.has-request) .actions .primary').first().click();
      await page.locator('dialog[open]').waitFor();
      await shot(page, `${prefix}-move-dialog`);
      await page.keyboard.press('Escape');
      await page.locator('.row-actions button').last().click();
      await page.locator('dialog[open]').waitFor();
      await shot(page, `${prefix}-incident-dialog`);
      await page.keyboard.press('Escape');
      await page.locator('.rooms-table tbody th button').first().click();
      await page.locator('.seat-map').waitFor();
      await page.locator('.seat-map').screenshot({ path: path.join(OUT, `${prefix}-seat-map.png`) });
      process.stdout.write(`  ${prefix}-seat-map.png\n`);
      await page.locator('.room-code .room-code-value').waitFor();
      await page.locator('.room-code').screenshot({ path: path.join(OUT, `${prefix}-room-code.png`) });
      process.stdout.write(`  ${prefix}-room-code.png\n`);
      await page.locator('.room-code button').click();
      await page.locator('dialog.room-code-large[open]').waitFor();
      await shot(page, `${prefix}-room-code-large`);
      await page.keyboard.press('Escape');
      await page.goto(`/proctor/record?session=${exam.insertId}`);
      await page.locator('.record-table').waitFor();
      await page.screenshot({ path: path.join(OUT, `${prefix}-record.png`), fullPage: true });
      process.stdout.write(`  ${prefix}-record.png (whole page)\n`);
      await context.close();
    }
  }
  process.stdout.write(`Screenshots written to ${path.relative(process.cwd(), OUT)}\n`);
} finally {
  await browser?.close();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await local.stop();
  await rm(dataDir, { recursive: true, force: true });
}
