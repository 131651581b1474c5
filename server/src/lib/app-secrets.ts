import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { type Database, withTransaction } from './database.ts';

export interface SecretSource {
  get(): Promise<Buffer>;
}

// A secret given in the configuration.
export const givenSecret = (value: Buffer): SecretSource => ({ get: () => Promise.resolve(value) });

// A secret every instance shares (app_secrets), made by the first instance that needs it: INSERT IGNORE
// lets every other one read the same. Read once per process; a failed read is tried again next time. In a
// transaction, so that two instances making it at once through two Galera nodes end with one of them
// failing certification and reading the other's after a retry (as a plain statement, that instance
// answered its first request 503).
export class AppSecret implements SecretSource {
  #value: Promise<Buffer> | undefined;

  constructor(
    private readonly db: Database,
    private readonly name: string,
  ) {}

  get(): Promise<Buffer> {
    this.#value ??= withTransaction(this.db, async (tx) => {
      await tx.run('INSERT IGNORE INTO app_secrets (name, value, created_at) VALUES (?, ?, UTC_TIMESTAMP(3))', [this.name, randomBytes(32)]);
      const [row] = await tx.rows<RowDataPacket & { value: Buffer }>('SELECT value FROM app_secrets WHERE name = ?', [this.name]);
      return row!.value;
    })
      .catch((error: unknown) => {
        this.#value = undefined;
        throw error;
      });
    return this.#value;
  }
}
