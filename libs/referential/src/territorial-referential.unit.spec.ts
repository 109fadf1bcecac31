import { communeOfArrondissement } from '@vigie/domain';
import { TerritorialReferential } from './territorial-referential.js';

describe('Territorial referential (Etalab)', () => {
  const referential = new TerritorialReferential();

  it('knows the 1 255 EPCIs, the MEL among them with its 95 communes', () => {
    expect(referential.epciCount).toBe(1_255);
    const mel = referential.epci('200093201')!;
    expect(mel.name).toBe('Métropole Européenne de Lille');
    expect(mel.communes).toHaveLength(95);
    expect(mel.communes).toContain('59350');
  });

  it('finds the EPCI of a commune, and nothing for an unknown code', () => {
    expect(referential.epciOfCommune('59350')).toBe('200093201');
    expect(referential.epciOfCommune('62041')).not.toBe('200093201');
    expect(referential.epciOfCommune('99999')).toBeUndefined();
  });
});

describe('Communes and municipal arrondissements (Etalab)', () => {
  const referential = new TerritorialReferential();

  it.each([
    ['75115', '75056', 'arrondissement-municipal'],
    ['75101', '75056', 'arrondissement-municipal'],
    ['75120', '75056', 'arrondissement-municipal'],
    ['69381', '69123', 'arrondissement-municipal'],
    ['69389', '69123', 'arrondissement-municipal'],
    ['13201', '13055', 'arrondissement-municipal'],
    ['13216', '13055', 'arrondissement-municipal'],
    ['59350', '59350', 'commune-actuelle'],
  ])('counts %s as commune %s for EPCI membership (%s)', (code, commune, kind) => {
    expect(referential.commune(code)).toMatchObject({ code, membershipCommune: commune, kind });
  });

  it('puts Paris, Lyon and Marseille (the communes, not their arrondissements) in their EPCIs', () => {
    expect(referential.epciOfCommune('75056')).toBe('200054781');
    expect(referential.epciOfCommune('69123')).toBe('200046977');
    expect(referential.epciOfCommune('13055')).toBe('200054807');
  });

  it('knows no commune 99999', () => {
    expect(referential.commune('99999')).toBeUndefined();
  });
});

describe('The domain’s PLM rule agrees with the official referential', () => {
  it('maps every municipal arrondissement the referential lists, and nothing else, to its commune', () => {
    const referential = new TerritorialReferential();
    const codes = [...Array(100_000).keys()].map((n) => String(n).padStart(5, '0'));
    for (const code of codes) {
      const official = referential.commune(code);
      if (official?.kind === 'arrondissement-municipal') expect(communeOfArrondissement(code)).toBe(official.membershipCommune);
      else expect(communeOfArrondissement(code)).toBe(code);
    }
  });
});
