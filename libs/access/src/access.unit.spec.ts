import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { departementOfCommune as domainDepartementOfCommune } from '@vigie/domain';
import { actorOf, departementOfCommune, owns, ownersOfEventData } from './principal.js';
import { newApiKey, parseApiKey } from './api-keys.js';
import { loadOrCreateKeyFile, Pseudonymiser } from './pseudonymiser.js';

describe('Principals and ownership', () => {
  const bailleur = { keyId: 'a1b2c3d4e5f60718', role: 'bailleur', tenant: 'lmh' } as const;

  it('names the actor of a write by role, organisation and key', () => {
    expect(actorOf(bailleur)).toBe('bailleur:lmh:a1b2c3d4e5f60718');
    expect(actorOf({ keyId: 'ff', role: 'admin', tenant: null })).toBe('admin:*:ff');
  });

  it('lets an organisation own only what names it; admin owns everything', () => {
    expect(owns(bailleur, { bailleurs: ['lmh'] })).toBe(true);
    expect(owns(bailleur, { bailleurs: ['vilogia'], reservataires: ['lmh'] })).toBe(false);
    expect(owns({ keyId: 'x', role: 'etat', tenant: '59' }, { departements: ['59'] })).toBe(true);
    expect(owns({ keyId: 'x', role: 'admin', tenant: null }, {})).toBe(true);
  });

  it('reads the organisations an event names, wherever they are in its data', () => {
    expect(
      ownersOfEventData({
        lease: { bailleurId: 'lmh', reservataireId: 'als', flat: { epciSiren: '200093201', communeInsee: '59350' } },
        reason: 'x',
      }),
    ).toEqual({ bailleurs: ['lmh'], reservataires: ['als'], epcis: ['200093201'], departements: ['59'] });
    expect(ownersOfEventData({ epciSiren: '200093201', scope: { kind: 'bailleur', id: 'lmh' } }).bailleurs).toEqual(['lmh']);
  });

  it('gives the département of a commune, Corsica and overseas included, with the domain’s one definition', () => {
    expect(departementOfCommune).toBe(domainDepartementOfCommune);
    expect(['59350', '2A004', '97411', '98735'].map(departementOfCommune)).toEqual(['59', '2A', '974', '987']);
    const departementsOf = (communeInsee: string) => ownersOfEventData({ flat: { communeInsee } }).departements;
    expect(['59350', '2A004', '97411', '98735'].map(departementsOf)).toEqual([['59'], ['2A'], ['974'], ['987']]);
  });
});

describe('API keys', () => {
  it('keeps the secret only as its hash, and recognises the key it made', () => {
    const key = newApiKey();
    expect(key.token).toMatch(/^vigie_[a-f0-9]{16}_[A-Za-z0-9_-]{43}$/);
    const secret = key.token.slice(`vigie_${key.id}_`.length);
    expect(secret).toHaveLength(43);
    expect(key.secretHash.toString('hex')).not.toContain(secret);
    const parsed = parseApiKey(key.token)!;
    expect(parsed.id).toBe(key.id);
    expect(parsed.secretHash.equals(key.secretHash)).toBe(true);
    expect(parseApiKey(`${key.token}x`)).toBeNull();
    expect(parseApiKey('Bearer nothing')).toBeNull();
  });
});

describe('Pseudonymisation of household numbers', () => {
  const pseudonymiser = new Pseudonymiser('k'.repeat(32));

  it('gives the same pseudonym to the same number, however it is written, and another to another', () => {
    const p = pseudonymiser.pseudonymise('059 1227 00000 abc');
    expect(p).toMatch(/^h1-[A-Za-z0-9_-]{27}$/);
    expect(pseudonymiser.pseudonymise('05912270000 0ABC')).toBe(p);
    expect(pseudonymiser.pseudonymise('0591227000000ABD')).not.toBe(p);
  });

  it('depends on the key: without it the pseudonym cannot be recomputed from a list of numbers', () => {
    expect(new Pseudonymiser('j'.repeat(32)).pseudonymise('0591227000000ABC')).not.toBe(
      pseudonymiser.pseudonymise('0591227000000ABC'),
    );
    expect(() => new Pseudonymiser('short')).toThrow(/32 characters/);
  });

  it('generates a key once, readable by its owner only, and keeps it', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vigie-key-')), 'sub', 'pseudonymisation.key');
    const first = loadOrCreateKeyFile(path);
    expect(first.created).toBe(true);
    expect(first.key.length).toBeGreaterThanOrEqual(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadOrCreateKeyFile(path)).toEqual({ key: first.key, created: false });
  });
});
