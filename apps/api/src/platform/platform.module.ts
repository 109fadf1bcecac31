import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ApiKeyStore, PeopleStore, Pseudonymiser } from '@vigie/access';
import { CommandPipeline, EVENT_STORE } from '@vigie/event-store';
import { KafkaRelay } from '@vigie/messaging';
import { TerritorialReferential } from '@vigie/referential';
import { ProjectorService } from './projector.service.js';
import { RUNTIME, type Runtime } from './runtime.js';

/** The pool of the read models, as routes name it (they never import the driver). */
export type { DatabasePool } from '@vigie/postgres';

/** The PostgreSQL pool, for the read models' query functions (`pg` never reaches a route file). */
export const DATABASE_POOL = Symbol('DatabasePool');
/**
 * TypeORM's data source over the same pool, for the operational tables' repositories (imports;
 * the API keys and people stores get theirs from the runtime). Read models and the log stay on `pg`.
 */
export const DATA_SOURCE = Symbol('DataSource');
/** The validated settings (`VigieConfig`). */
export const VIGIE_CONFIG = Symbol('VigieConfig');
/** The time of a request: the one clock commands and reads take "now" from (a test may shift it). */
export const CLOCK = Symbol('Clock');
export type Clock = () => Date;

/**
 * One provider per port, built once from what the process holds open: the event store (typed to
 * the `EventStore` port), the pool, the settings, the pseudonymiser, the API keys, the Kafka
 * relay, the command pipeline, the territorial referential. Feature modules inject what they
 * use; nothing carries every dependency into every class.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    const providers = [
      { provide: RUNTIME, useValue: runtime },
      { provide: EVENT_STORE, useValue: runtime.store },
      { provide: DATABASE_POOL, useValue: runtime.pool },
      { provide: DATA_SOURCE, useValue: runtime.dataSource },
      { provide: VIGIE_CONFIG, useValue: runtime.config },
      { provide: CLOCK, useValue: runtime.clock },
      { provide: Pseudonymiser, useValue: runtime.pseudonymiser },
      { provide: ApiKeyStore, useValue: runtime.keys },
      { provide: PeopleStore, useValue: runtime.people },
      { provide: KafkaRelay, useValue: runtime.relay },
      { provide: CommandPipeline, useValue: new CommandPipeline(runtime.store) },
      { provide: TerritorialReferential, useValue: new TerritorialReferential() },
    ];
    return {
      module: PlatformModule,
      providers: [...providers, ProjectorService],
      // The runtime itself stays here: only the operations views (health, live stream) read it whole.
      exports: [...providers.map((provider) => provider.provide), ProjectorService],
    };
  }
}
