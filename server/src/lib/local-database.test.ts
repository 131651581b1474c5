import { describe, expect, it } from 'vitest';
import { DatabaseBinaryMissingError, findServerBinaries } from './local-database.ts';

describe('findServerBinaries', () => {
  it('when no server binary is on the search path, then the error names the install commands and DATABASE_URL', () => {
    let thrown: unknown;
    try {
      findServerBinaries(['/nonexistent']);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DatabaseBinaryMissingError);
    const message = (thrown as Error).message;
    expect(message).toContain('apt-get install mariadb-server');
    expect(message).toContain('brew install mariadb');
    expect(message).toContain('DATABASE_URL=mysql://');
  });

  it('when MariaDB is installed, then both the server and its installer are found', () => {
    const found = findServerBinaries();
    expect(found.server).toMatch(/(mariadbd|mysqld)$/);
    if (found.flavour === 'mariadb') expect(found.installer).toMatch(/install_db|install-db$/);
  });
});
