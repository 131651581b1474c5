import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('when nothing is set, then the defaults apply and the result is frozen', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ HOST: '127.0.0.1', PORT: 3000, TRUST_PROXY: false, DB_POOL_SIZE: 16 });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('when several variables are bad, then the error names every one of them', () => {
    let thrown: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'postgres://x/y', TRUST_PROXY: 'not-an-address', DB_POOL_SIZE: '0' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const message = (thrown as Error).message;
    for (const name of ['PORT', 'DATABASE_URL', 'TRUST_PROXY', 'DB_POOL_SIZE']) expect(message).toContain(name);
  });

  it('when TRUST_PROXY is a hop count or a list, then it is handed over in the form Express expects', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,loopback' }).TRUST_PROXY).toEqual(['10.0.0.1', '192.168.0.0/16', 'loopback']);
    expect(loadConfig({ TRUST_PROXY: '' }).TRUST_PROXY).toBe(false);
  });
});
