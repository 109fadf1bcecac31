import { ConfigError, loadConfig } from './config.js';

describe('Configuration', () => {
  it('starts with the one-process defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', PROJECTOR_IN_PROCESS: true });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.KAFKA_BROKERS).toBeUndefined();
  });

  it('reads and converts what is set', () => {
    const config = loadConfig({ PORT: '8080', KAFKA_BROKERS: '127.0.0.1:9092,broker2:9093', PROJECTOR_IN_PROCESS: 'false' });
    expect(config).toMatchObject({ PORT: 8080, KAFKA_BROKERS: '127.0.0.1:9092,broker2:9093', PROJECTOR_IN_PROCESS: false });
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', KAFKA_BROKERS: 'no-port' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('PORT');
    expect(problems).toContain('DATABASE_URL');
    expect(problems).toContain('KAFKA_BROKERS');
  });

  it('names the variable and its rule, never the value, secrets included', () => {
    const SECRET = 'S3cr3t-Pl4nted';
    // One invalid value per variable that can be invalid, each carrying the planted secret.
    const invalid: Record<string, string> = {
      PORT: `${SECRET}`,
      DATABASE_URL: `mysql://vigie:${SECRET}@db.example:5432/vigie`,
      DATABASE_POOL_SIZE: `${SECRET}`,
      EMBEDDED_POSTGRES_PORT: `${SECRET}`,
      KAFKA_BROKERS: `broker-${SECRET}`,
      KAFKA_RELAY_BATCH_SIZE: `${SECRET}`,
      PROJECTOR_IN_PROCESS: `${SECRET}`,
      PROJECTOR_BATCH_SIZE: `${SECRET}`,
      POLL_INTERVAL_MS: `${SECRET}`,
      LOG_LEVEL: `${SECRET}`,
      VIGIE_PSEUDONYMISATION_KEY: `short-${SECRET}`,
      VIGIE_ADMIN_KEY: `vigie_${SECRET}_0000`,
      STATISTICAL_SECRECY_THRESHOLD: `${SECRET}`,
    };
    for (const [variable, value] of Object.entries(invalid)) {
      let error: unknown;
      try {
        loadConfig({ [variable]: value });
      } catch (caught) {
        error = caught;
      }
      expect({ variable, error }).toEqual({ variable, error: expect.any(ConfigError) });
      const message = (error as ConfigError).message;
      expect({ variable, names: message.includes(`${variable}: must`) }).toEqual({ variable, names: true });
      expect({ variable, leaks: message.includes(SECRET) || message.includes(value) }).toEqual({ variable, leaks: false });
    }
    // A postgres URL the pool could not parse (a space in the password) is refused too, without its password.
    expect(() => loadConfig({ DATABASE_URL: `postgres://vigie:${SECRET} x@[db/vigie` })).toThrow(
      /^Invalid configuration:\n {2}- DATABASE_URL: must be a postgres:\/\/ \(or postgresql:\/\/\) URL \(value not shown\)$/,
    );
    // All at once: one line per variable, still without any value.
    const all = (() => {
      try {
        loadConfig(invalid);
      } catch (caught) {
        return (caught as ConfigError).message;
      }
      return '';
    })();
    expect(all.split('\n')).toHaveLength(Object.keys(invalid).length + 1);
    expect(all).not.toContain(SECRET);
  });

  it('keeps the log in PostgreSQL by default and in KurrentDB when asked, with its URL', () => {
    expect(loadConfig({}).EVENT_STORE).toBe('postgres');
    expect(loadConfig({ EVENT_STORE: 'kurrentdb', KURRENTDB_URL: 'kurrentdb://127.0.0.1:2113?tls=false' })).toMatchObject({
      EVENT_STORE: 'kurrentdb',
      KURRENTDB_URL: 'kurrentdb://127.0.0.1:2113?tls=false',
      KURRENTDB_STREAM_PREFIX: 'vigie',
    });
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ EVENT_STORE: 'kurrentdb' })).toEqual([
      'KURRENTDB_URL: must be a kurrentdb:// (or kurrentdb+discover://) connection string, and is required with EVENT_STORE=kurrentdb (value not shown)',
    ]);
    expect(problems({ EVENT_STORE: 'mongodb' })[0]).toMatch(/^EVENT_STORE: must be postgres or kurrentdb/);
    expect(problems({ KURRENTDB_URL: 'http://x' })[0]).toMatch(/^KURRENTDB_URL:/);
  });
});
