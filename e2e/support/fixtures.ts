import { randomBytes } from 'node:crypto';
import { type BrowserContext, type Locator, type Page, test as base, expect } from '@playwright/test';
import mysql from 'mysql2/promise';
import { hashPassword } from '../../server/src/proctor-auth/password.ts';
import { type DeviceForwarder, startDeviceForwarder } from './device-forwarder.ts';
import { E2E_ENV_VARIABLE, type E2eEnvironment } from './global-setup.ts';

export { expect };

export interface E2eParticipant {
  code: string;
  fullName: string;
  sessionId: number;
}

// The holder checks in and reaches the start screen; the intruder from another address is refused.
export async function arrangeConflict(holder: ParticipantDevice, intruder: ParticipantDevice, person: E2eParticipant): Promise<void> {
  await holder.checkIn(person);
  await expect(holder.page).toHaveURL(/\/start$/);
  await intruder.checkIn(person);
  await expect(intruder.page.getByRole('alert')).toContainText('in use on another device');
}

// What the product promises a proctor: a refusal, a request or a network change appears on every open
// dashboard within 2 s of the attempt, without a reload.
export const LIVE_WITHIN_MS = 2000;

// When something first appeared in a page, on the machine's clock (ms since the epoch), seen from inside
// the page by a MutationObserver: the test's own round trips, slow on a busy machine, are not counted.
// Start watching before the event; the returned function waits for the appearance (as long as a hang
// allows) and gives its time. It refuses to start if a match is already there.
export async function watchForAppearance(page: Page, selector: string, text: string): Promise<() => Promise<number>> {
  const key = `${selector} ${text}`;
  const alreadyThere = await page.evaluate(
    ([key, selector, text]) => {
      const matches = () => Array.from(document.querySelectorAll(selector)).some((element) => element.textContent?.includes(text));
      if (matches()) return true;
      const seen = ((window as unknown as { examgateAppeared?: Record<string, number> }).examgateAppeared ??= {});
      const observer = new MutationObserver(() => {
        if (!matches()) return;
        seen[key] = Date.now();
        observer.disconnect();
      });
      observer.observe(document.body, { childList: true, subtree: true, characterData: true });
      return false;
    },
    [key, selector, text] as const,
  );
  if (alreadyThere) throw new Error(`${selector} with "${text}" was on the page before the event`);
  return async () => {
    const appeared = await page.waitForFunction((key) => (window as unknown as { examgateAppeared?: Record<string, number> }).examgateAppeared?.[key], key, { timeout: 30_000 });
    return (await appeared.jsonValue()) as number;
  };
}

// When the database recorded a participant's latest audit event of a type (its clock is the machine's).
export async function auditEventTime(sql: mysql.Connection, code: string, type: string): Promise<number> {
  const [[row]] = await sql.query<mysql.RowDataPacket[]>('SELECT created_at FROM audit_events WHERE code = ? AND event_type = ? ORDER BY id DESC LIMIT 1', [code, type]);
  if (!row) throw new Error(`no ${type} audit event for ${code}`);
  return (row.created_at as Date).getTime();
}

export interface WatchedConflict {
  person: E2eParticipant;
  watcher: ProctorActor;
  holder: ParticipantDevice;
  intruder: ParticipantDevice;
  // The conflict's entry in the watcher's feed.
  feedItem: Locator;
  // Milliseconds from the refusal's audit row to the conflict's appearance on the watcher's dashboard.
  conflictShownAfterMs: () => Promise<number>;
}

// A proctor watches the person's exam session while the holder checks in and the intruder is refused.
export async function watchedConflict(
  actors: { participant: Fixtures['participant']; proctor: Fixtures['proctor']; createParticipant: Fixtures['createParticipant']; sql: mysql.Connection },
  devices: { holderIp: string; intruderIp: string; deviceServer?: number; proctorServer?: number },
): Promise<WatchedConflict> {
  const person = await actors.createParticipant();
  const watcher = await actors.proctor(devices.proctorServer ?? 0);
  await watcher.openDashboard(person.sessionId);
  const holder = await actors.participant(devices.holderIp, devices.deviceServer ?? 0);
  const intruder = await actors.participant(devices.intruderIp, devices.deviceServer ?? 0);
  const conflictShown = await watchForAppearance(watcher.page, `li[aria-label="${person.fullName}, ${person.code}"]`, devices.intruderIp);
  await arrangeConflict(holder, intruder, person);
  const feedItem = watcher.page.getByRole('listitem', { name: `${person.fullName}, ${person.code}` });
  const conflictShownAfterMs = async () => (await conflictShown()) - (await auditEventTime(actors.sql, person.code, 'device_conflict'));
  return { person, watcher, holder, intruder, feedItem, conflictShownAfterMs };
}

async function removeSessions(sql: mysql.Connection, sessionIds: number[]): Promise<void> {
  const [codes] = await sql.query<mysql.RowDataPacket[]>('SELECT code FROM participants WHERE session_id IN (?)', [sessionIds]);
  if (codes.length > 0) await sql.query('DELETE FROM attempt_failures WHERE code IN (?)', [codes.map((row) => row.code as string)]);
  await sql.query('DELETE r FROM device_change_requests r JOIN participants p ON p.id = r.participant_id WHERE p.session_id IN (?)', [sessionIds]);
  await sql.query('DELETE s FROM seats s JOIN rooms r ON r.id = s.room_id WHERE r.session_id IN (?)', [sessionIds]);
  await sql.query('DELETE FROM participants WHERE session_id IN (?)', [sessionIds]);
  await sql.query('DELETE FROM rooms WHERE session_id IN (?)', [sessionIds]);
  await sql.query('DELETE FROM session_devices WHERE session_id IN (?)', [sessionIds]);
  await sql.query('DELETE FROM api_tokens WHERE session_id IN (?)', [sessionIds]);
  await sql.query('DELETE FROM exam_sessions WHERE id IN (?)', [sessionIds]);
}

export interface ProctorActor {
  page: Page;
  username: string;
  password: string;
  openDashboard(sessionId: number): Promise<void>;
}

export interface ParticipantDevice {
  ip: string;
  page: Page;
  checkIn(participant: E2eParticipant): Promise<void>;
  // The same browser reaching the server from another address (a phone hotspot instead of the hall Wi-Fi).
  moveTo(ip: string): Promise<void>;
}

export interface SessionSettings {
  status?: 'unused' | 'in_progress' | 'expired';
  lockPolicy?: 'address' | 'device' | 'device_and_address';
  opensAt?: Date;
  timeZone?: string;
}

export interface BrowserOptions {
  locale?: string;
  // Start with everything of this browser that Playwright can copy: cookies, local storage, IndexedDB.
  copyOf?: ParticipantDevice;
  // A browser without IndexedDB (as some private windows are): it cannot keep a device key of its own.
  withoutIndexedDb?: boolean;
}

type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

async function copiedStorage(device: ParticipantDevice, origin: string): Promise<StorageState> {
  const state = await device.page.context().storageState({ indexedDB: true });
  return { cookies: state.cookies, origins: state.origins.map((entry) => ({ ...entry, origin })) };
}

interface Options {
  // Run the devices and proctors of a test through the trusted reverse proxy (the "behind-proxy" project).
  viaProxy: boolean;
}

interface Fixtures {
  environment: E2eEnvironment;
  sql: mysql.Connection;
  createParticipant: (options?: SessionSettings) => Promise<E2eParticipant>;
  // A browser context of its own whose traffic reaches the server from `deviceIp`; `locale` is the
  // browser's language (navigator.languages), English when not given.
  participant: (deviceIp: string, serverIndex?: number, options?: BrowserOptions) => Promise<ParticipantDevice>;
  // A logged-in proctor in a browser context of its own.
  proctor: (serverIndex?: number, options?: BrowserOptions) => Promise<ProctorActor>;
}

export const test = base.extend<Fixtures & Options>({
  viaProxy: [false, { option: true }],
  // Playwright reads a fixture's dependencies from its first parameter, which must be a destructuring pattern.
  // eslint-disable-next-line no-empty-pattern
  environment: async ({}, use) => {
    const raw = process.env[E2E_ENV_VARIABLE];
    if (!raw) throw new Error('The e2e global setup did not run');
    await use(JSON.parse(raw) as E2eEnvironment);
  },
  sql: async ({ environment }, use) => {
    const connection = await mysql.createConnection({ uri: environment.databaseUrl, timezone: 'Z' });
    await use(connection);
    await connection.end();
  },
  // Each test's exam sessions are removed when it ends (audit rows stay: the log is append-only), so that
  // what a dashboard shows (the session menu, the banner, "All sessions") holds this test's sessions and at
  // most those of the test running beside it, never everything earlier tests left behind.
  createParticipant: async ({ sql }, use) => {
    const sessionIds: number[] = [];
    await use(async (options = {}) => {
      // A letter first: eight hex digits that happen to be all decimal make a code too easy to guess for a
      // roster sync to accept (contracts: MIN_CODE_BITS), one test in fifty.
      const suffix = randomBytes(4).toString('hex').toUpperCase().replace(/^\d/, 'A');
      const [session] = await sql.query<mysql.ResultSetHeader>(
        'INSERT INTO exam_sessions (name, created_at, lock_policy, opens_at, time_zone) VALUES (?, UTC_TIMESTAMP(3), ?, ?, ?)',
        [`E2E exam ${suffix}`, options.lockPolicy ?? 'device', options.opensAt ?? null, options.timeZone ?? 'UTC'],
      );
      sessionIds.push(session.insertId);
      const participant = { code: `E2E-${suffix}`, fullName: `Ada Lovelace ${suffix}`, sessionId: session.insertId };
      await sql.query(
        'INSERT INTO participants (session_id, code, full_name, status, status_updated_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3))',
        [session.insertId, participant.code, participant.fullName, options.status ?? 'unused'],
      );
      return participant;
    });
    if (sessionIds.length > 0) await removeSessions(sql, sessionIds);
  },
  participant: async ({ browser, environment, viaProxy }, use) => {
    const forwarders: DeviceForwarder[] = [];
    const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
    await use(async (deviceIp, serverIndex = 0, options = {}) => {
      const server = environment.servers[serverIndex];
      if (!server) throw new Error(`no server ${serverIndex}`);
      const target = viaProxy ? environment.proxied.proxyPort : server.port;
      const forwarder = await startDeviceForwarder(deviceIp, target);
      forwarders.push(forwarder);
      // One forwarder for the device's whole life: a move changes its source address, never the page's origin,
      // so the page's IndexedDB (its device key) and its cookies stay with it.
      // Another browser's storage, moved to this device's origin: what a participant could copy to a friend.
      const storageState = options.copyOf && (await copiedStorage(options.copyOf, forwarder.url));
      const context = await browser.newContext({ baseURL: forwarder.url, locale: options.locale ?? 'en-US', storageState });
      contexts.push(context);
      if (options.withoutIndexedDb) await context.addInitScript(() => Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true }));
      const page = await context.newPage();
      return {
        ip: deviceIp,
        page,
        moveTo: (ip) => {
          forwarder.moveTo(ip);
          return Promise.resolve();
        },
        // By the fields' names and the form's one submit button, so that it works in any language.
        checkIn: async (participant) => {
          await page.goto(`${forwarder.url}/`);
          await page.locator('input[name="code"]').fill(participant.code);
          await page.locator('input[name="fullName"]').fill(participant.fullName);
          await page.locator('form button[type="submit"]').click();
        },
      };
    });
    await Promise.all(contexts.map((context) => context.close()));
    await Promise.all(forwarders.map((forwarder) => forwarder.close()));
  },
  proctor: async ({ browser, environment, sql, viaProxy }, use) => {
    const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
    await use(async (serverIndex = 0, options = {}) => {
      const server = viaProxy ? environment.proxied : environment.servers[serverIndex];
      if (!server) throw new Error(`no server ${serverIndex}`);
      const username = `proctor-${randomBytes(4).toString('hex')}`;
      const password = randomBytes(12).toString('base64url');
      await sql.query('INSERT INTO proctors (username, password_hash, created_at) VALUES (?, ?, UTC_TIMESTAMP(3))', [username, await hashPassword(password)]);
      const context = await browser.newContext({ baseURL: server.baseUrl, locale: options.locale ?? 'en-US' });
      contexts.push(context);
      // Logged in through the API (the login page has tests of its own): the session cookie lands in the context.
      const login = await context.request.post('/api/proctor/login', { data: { username, password } });
      if (!login.ok()) throw new Error(`login failed: ${login.status()} ${await login.text()}`);
      const page = await context.newPage();
      await page.goto('/proctor');
      return {
        page,
        username,
        password,
        openDashboard: async (sessionId) => {
          await page.goto(`/proctor?session=${sessionId}`);
          await expect(page.locator('.live-live')).toBeVisible();
        },
      };
    });
    await Promise.all(contexts.map((context) => context.close()));
  },
});
