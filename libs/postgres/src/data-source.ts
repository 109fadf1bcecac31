import * as pg from 'pg';
import { DataSource, type EntitySchema } from 'typeorm';

/**
 * TypeORM over the process's one `pg` pool, for the operational tables (API keys, people and their
 * sign-in links, imports): their rows are read and written through entities and repositories,
 * while the event store, the projections and every hot path keep using `pg` directly, on the same
 * pool and so under the same `DATABASE_POOL_SIZE` and connection-error handling.
 *
 * TypeORM builds its pool with `new driver.Pool(options)`; the driver handed to it answers that
 * call with the pool we already have (wrapped so that destroying the data source does not end a
 * pool its owner still uses). The schema is never synchronised from the entities: the migrations
 * (`migrate`) own it, and an entity maps the columns they create.
 */
export async function openDataSource(pool: pg.Pool, entities: readonly EntitySchema[]): Promise<DataSource> {
  const shared = new Proxy(pool, {
    get(target, property, receiver) {
      // TypeORM ends its pool with a callback; the owner of this one ends it.
      if (property === 'end') return async (done?: () => void) => done?.();
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  const driver = {
    ...pg,
    // Called with `new`: a constructor that returns an object yields that object.
    Pool: function SharedPool() {
      return shared;
    },
  };
  const source = new DataSource({
    type: 'postgres',
    driver,
    entities: [...entities],
    synchronize: false,
    migrationsRun: false,
    logging: false,
  });
  return source.initialize();
}
