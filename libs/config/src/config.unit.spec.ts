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
});
