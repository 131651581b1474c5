import { describe, expect, it } from 'vitest';
import { ConfigError, configWarnings, loadConfig, shouldSeedDemo } from './config.ts';

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

  it('when RECEIPT_KEY is set, then it must be at least 32 bytes of base64; unset or empty, the database keeps the key', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ RECEIPT_KEY: key }).RECEIPT_KEY).toBe(key);
    expect(loadConfig({ RECEIPT_KEY: '' }).RECEIPT_KEY).toBeUndefined();
    for (const bad of ['short', Buffer.alloc(16).toString('base64'), 'not base64 at all!']) expect(() => loadConfig({ RECEIPT_KEY: bad })).toThrow(/RECEIPT_KEY/);
  });

  it('when MAX_IN_FLIGHT_REQUESTS is unset, then it follows DB_POOL_SIZE; set, it is used as given and checked', () => {
    expect(loadConfig({}).MAX_IN_FLIGHT_REQUESTS).toBe(16);
    expect(loadConfig({ DB_POOL_SIZE: '40' }).MAX_IN_FLIGHT_REQUESTS).toBe(40);
    expect(loadConfig({ DB_POOL_SIZE: '40', MAX_IN_FLIGHT_REQUESTS: '' }).MAX_IN_FLIGHT_REQUESTS).toBe(40);
    expect(loadConfig({ DB_POOL_SIZE: '40', MAX_IN_FLIGHT_REQUESTS: '100' }).MAX_IN_FLIGHT_REQUESTS).toBe(100);
    expect(() => loadConfig({ MAX_IN_FLIGHT_REQUESTS: '0' })).toThrow(/MAX_IN_FLIGHT_REQUESTS/);
    expect(() => loadConfig({ MAX_IN_FLIGHT_REQUESTS: 'many' })).toThrow(/MAX_IN_FLIGHT_REQUESTS/);
  });

  it('when TRUST_PROXY is a hop count or a list, then it is handed over in the form Express expects', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,loopback' }).TRUST_PROXY).toEqual(['10.0.0.1', '192.168.0.0/16', 'loopback']);
    expect(loadConfig({ TRUST_PROXY: '' }).TRUST_PROXY).toBe(false);
  });

  it('when DATABASE_URL is set, then the demo exam is created only with SEED_DEMO=true; on the private database unless SEED_DEMO=false', () => {
    const url = 'mysql://u:p@db.example:3306/examgate';
    expect(shouldSeedDemo(loadConfig({ DATABASE_URL: url }))).toBe(false);
    expect(shouldSeedDemo(loadConfig({ DATABASE_URL: url, SEED_DEMO: '' }))).toBe(false);
    expect(shouldSeedDemo(loadConfig({ DATABASE_URL: url, SEED_DEMO: 'true' }))).toBe(true);
    expect(shouldSeedDemo(loadConfig({}))).toBe(true);
    expect(shouldSeedDemo(loadConfig({ SEED_DEMO: 'false' }))).toBe(false);
  });

  it('when TRUST_PROXY is a hop count, then start-up warns that a direct client can choose its address; a list of proxies gets no warning', () => {
    expect(configWarnings(loadConfig({ TRUST_PROXY: '1' })).join('\n')).toMatch(/TRUST_PROXY=1 .*X-Forwarded-For.*TRUST_PROXY=<its address/);
    expect(configWarnings(loadConfig({ TRUST_PROXY: '10.0.0.5' }))).toEqual([]);
    expect(configWarnings(loadConfig({}))).toEqual([]);
  });
});
