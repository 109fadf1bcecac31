import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

function brokers(): string[] {
  const value = process.env.VIGIE_TEST_KAFKA_BROKERS;
  if (!value) throw new Error('VIGIE_TEST_KAFKA_BROKERS is not set: the Jest global setup starts the Kafka broker');
  return value.split(',');
}

describe('Kafka broker started by the test setup', () => {
  it('takes a message from a kafkajs producer and hands it to a consumer', async () => {
    const kafka = new Kafka({ clientId: 'vigie-smoke', brokers: brokers(), logLevel: logLevel.NOTHING });
    const topic = `vigie.smoke.${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'attribution-lmh-D-1', value: JSON.stringify({ hello: 'Vigie' }) }],
    });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `smoke-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<{ key: string; value: unknown }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within 30 s')), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve({ key: message.key!.toString(), value: JSON.parse(message.value!.toString()) });
        },
      });
    });
    await consumer.disconnect();
    expect(received).toEqual({ key: 'attribution-lmh-D-1', value: { hello: 'Vigie' } });
  }, 60_000);
});
