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
