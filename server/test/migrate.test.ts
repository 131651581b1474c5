import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrate } from '../src/lib/migrate.ts';

const serverUrl = inject('databaseServerUrl');
let admin: mysql.Connection;
const databases: string[] = [];
let dir: string;

beforeAll(async () => {
  admin = await mysql.createConnection({ uri: serverUrl });
  dir = await mkdtemp(path.join(os.tmpdir(), 'examgate-migrations-'));
});

afterAll(async () => {
  for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.end();
  await rm(dir, { recursive: true, force: true });
});

async function freshDatabase(): Promise<string> {
  const name = `examgate_m_${randomBytes(5).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  databases.push(name);
  return `${serverUrl}/${name}`;
}

describe('migrate', () => {
  it('when several instances migrate one empty database at once, then each migration is applied exactly once', async () => {
    // A migration that is not idempotent: applying it twice would fail on the duplicate key.
    await writeFile(path.join(dir, '001_table.sql'), 'CREATE TABLE counter (id INT PRIMARY KEY);');
    await writeFile(path.join(dir, '002_row.sql'), 'INSERT INTO counter (id) VALUES (1);');
    const url = await freshDatabase();

    const results = await Promise.all(Array.from({ length: 5 }, () => migrate(url, dir)));

    expect(results.flatMap((result) => result.applied).sort()).toEqual(['001_table.sql', '002_row.sql']);
    const connection = await mysql.createConnection({ uri: url });
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT name FROM schema_migrations ORDER BY name');
    await connection.end();
    expect(rows.map((row) => row.name)).toEqual(['001_table.sql', '002_row.sql']);
  });

  it('when an applied migration is edited afterwards, then migrating refuses to continue', async () => {
    const editDir = await mkdtemp(path.join(dir, 'edit-'));
    await writeFile(path.join(editDir, '001_table.sql'), 'CREATE TABLE t (id INT PRIMARY KEY);');
    const url = await freshDatabase();
    await migrate(url, editDir);
    await writeFile(path.join(editDir, '001_table.sql'), 'CREATE TABLE t (id BIGINT PRIMARY KEY);');

    await expect(migrate(url, editDir)).rejects.toThrow(/changed after it was applied/);
  });

  it('when the project migrations run twice, then the second run applies nothing', async () => {
    const url = await freshDatabase();
    const first = await migrate(url);
    const second = await migrate(url);
    expect(first.applied.length).toBeGreaterThan(0);
    expect(second.applied).toEqual([]);
  });
});
