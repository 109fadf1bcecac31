import { migrate, openDataSource } from '@vigie/postgres';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../test/support/postgres.js';
import { ApiKeyEntity } from './api-key.entity.js';
import { accessMigrations, ApiKeyStore, parseApiKey } from './api-keys.js';
import { PeopleStore, peopleMigrations } from './people.js';
import { PersonEntity, SignInLinkEntity } from './person.entity.js';

/**
 * The API keys and people stores on TypeORM's repositories, over the process's own `pg` pool, on a
 * real PostgreSQL migrated as the API migrates it: what each operation leaves in the tables, and
 * that the one-time operations stay one-time when two callers race.
 */
describe('API keys and people through TypeORM repositories on the shared pool', () => {
  let db: TestDatabase;
  let source: DataSource;
  let keys: ApiKeyStore;
  let people: PeopleStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    await migrate(db.pool, [...accessMigrations, ...peopleMigrations]);
    source = await openDataSource(db.pool, [ApiKeyEntity, PersonEntity, SignInLinkEntity]);
    keys = new ApiKeyStore(source.getRepository(ApiKeyEntity), 0);
    people = new PeopleStore(source.getRepository(PersonEntity), source.getRepository(SignInLinkEntity));
  });

  afterAll(async () => {
    await source.destroy();
    await db.drop();
  });

  it('uses the given pool: its connections count in that pool, and destroying the data source leaves the pool open', async () => {
    const other = await openDataSource(db.pool, [ApiKeyEntity]);
    await other.getRepository(ApiKeyEntity).count();
    expect(db.pool.totalCount).toBeGreaterThan(0);
    await other.destroy();
    const { rows } = await db.pool.query<{ one: number }>('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('stores a key as its SHA-256 only, authenticates it, and refuses it once revoked', async () => {
    const issued = await keys.create({ role: 'bailleur', tenant: 'lmh', label: 'LMH', createdBy: 'test' });
    const { rows } = await db.pool.query('SELECT id, role, tenant, label, secret_hash FROM api_keys WHERE id = $1', [issued.id]);
    expect(rows).toEqual([
      { id: issued.id, role: 'bailleur', tenant: 'lmh', label: 'LMH', secret_hash: parseApiKey(issued.token)!.secretHash },
    ]);
    expect(await keys.authenticate(issued.token)).toEqual({ keyId: issued.id, role: 'bailleur', tenant: 'lmh' });
    // The same key with its last character changed (to another one: a token ending in A stayed itself, 1 run in 64).
    const altered = `${issued.token.slice(0, -1)}${issued.token.endsWith('A') ? 'B' : 'A'}`;
    expect(await keys.authenticate(altered)).toBeNull();

    const first = await keys.revoke(issued.id, 'admin-1');
    const second = await keys.revoke(issued.id, 'admin-2');
    expect(first).toMatchObject({ id: issued.id, revokedBy: 'admin-1' });
    expect(first!.revokedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    // A second revocation keeps the first one's time and author.
    expect(second).toEqual(first);
    expect(await keys.authenticate(issued.token)).toBeNull();
    expect(await keys.revoke('0000000000000000', 'admin-1')).toBeNull();
  });

  it('records a configured key once however often it is ensured, and lists keys in creation order', async () => {
    const token = `vigie_${'ab'.repeat(8)}_${'x'.repeat(43)}`;
    expect(await keys.hasActiveAdmin()).toBe(false);
    await Promise.all(
      [1, 2, 3].map(() => keys.ensure(token, { role: 'admin', tenant: null, label: 'conf', createdBy: 'configuration' })),
    );
    expect(await keys.hasActiveAdmin()).toBe(true);
    const listed = await keys.list();
    expect(listed.map((key) => [key.label, key.role])).toEqual([
      ['LMH', 'bailleur'],
      ['conf', 'admin'],
    ]);
  });

  it('a sign-in link signs in once: of five uses at once exactly one gets the person', async () => {
    const person = await people.create({
      name: 'Ada',
      email: ' Ada@Example.FR ',
      role: 'epci',
      tenant: '200093201',
      createdBy: 'test',
    });
    expect(person).toMatchObject({ email: 'ada@example.fr', oidcLinked: false, disabledAt: null });
    const token = await people.issueLink(person.id, 60_000, 'test');
    const uses = await Promise.all([1, 2, 3, 4, 5].map(() => people.consumeLink(token)));
    expect(uses.filter((use) => use !== null).map((use) => use!.id)).toEqual([person.id]);
    const expired = await people.issueLink(person.id, 1_000, 'test', new Date(Date.now() - 5_000));
    expect(await people.consumeLink(expired)).toBeNull();
  });

  it('links an OpenID identity to the invited address once, then finds the person by subject; a disabled person signs in no more', async () => {
    const person = await people.create({ name: 'Bob', email: 'bob@example.fr', role: 'admin', tenant: null, createdBy: 'test' });
    expect(await people.signInWithOidc('sub-unknown', 'nobody@example.fr')).toBeNull();
    expect(await people.signInWithOidc('sub-bob', 'BOB@example.fr')).toMatchObject({ id: person.id, oidcLinked: true });
    expect(await people.signInWithOidc('sub-bob', null)).toMatchObject({ id: person.id });
    // Another subject presenting the same address finds the address already linked.
    expect(await people.signInWithOidc('sub-other', 'bob@example.fr')).toBeNull();
    const disabled = await people.disable(person.id, 'admin-1');
    expect(disabled!.disabledAt).not.toBeNull();
    expect(await people.disable(person.id, 'admin-2')).toEqual(disabled);
    expect(await people.signInWithOidc('sub-bob', null)).toBeNull();
    expect(await people.active(person.id)).toBeNull();
  });

  it('keeps one pending first administrator, whose older links are withdrawn, until an administrator has signed in', async () => {
    await db.pool.query("DELETE FROM sign_in_links; DELETE FROM people WHERE role = 'admin'");
    const pending = await people.pendingFirstAdmin();
    const older = await people.issueLink(pending!.id, 60_000, 'start-up');
    const again = await people.pendingFirstAdmin();
    expect(again!.id).toBe(pending!.id);
    expect(await people.consumeLink(older)).toBeNull();
    const newest = await people.issueLink(again!.id, 60_000, 'start-up');
    expect(await people.consumeLink(newest)).toMatchObject({ id: pending!.id, role: 'admin' });
    expect(await people.pendingFirstAdmin()).toBeNull();
    expect((await people.list()).filter((p) => p.role === 'admin').map((p) => p.name)).toEqual(['Premier administrateur']);
  });
});
