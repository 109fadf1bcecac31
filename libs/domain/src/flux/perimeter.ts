/**
 * A convention's perimeter: its département, or within it the communes or EPCIs it lists (a
 * commune's reservation covers its own territory). Its net base and everything counted on it
 * (orientations, leases, post-CAL refusals) are what lies inside.
 */
export interface ConventionPerimeter {
  readonly departement: string;
  /** INSEE codes of the communes covered; absent (with `epcis`): the whole département. */
  readonly communes?: readonly string[];
  /** SIREN of the EPCIs covered. */
  readonly epcis?: readonly string[];
}

/** Where a fact lies: a release names its département, and its commune and EPCI when recorded with them. */
export interface Place {
  readonly departement: string;
  readonly communeInsee: string | null;
  readonly epciSiren: string | null;
}

/** Département of a commune from its INSEE code (2A / 2B in Corsica, three digits overseas). */
export function departementOfCommune(communeInsee: string): string {
  return communeInsee.startsWith('97') || communeInsee.startsWith('98') ? communeInsee.slice(0, 3) : communeInsee.slice(0, 2);
}

/** Whether the perimeter lists communes or EPCIs (else it is the whole département). */
export function perimeterIsPartial(perimeter: ConventionPerimeter): boolean {
  return Boolean(perimeter.communes?.length || perimeter.epcis?.length);
}

/**
 * Whether a place lies in the perimeter. A place whose commune and EPCI are unknown (a release
 * recorded without them) lies only in a département-wide perimeter.
 */
export function inPerimeter(perimeter: ConventionPerimeter, place: Place): boolean {
  if (place.departement !== perimeter.departement) return false;
  if (!perimeterIsPartial(perimeter)) return true;
  return (
    (place.communeInsee !== null && (perimeter.communes ?? []).includes(place.communeInsee)) ||
    (place.epciSiren !== null && (perimeter.epcis ?? []).includes(place.epciSiren))
  );
}

/** Where a lease (or a CAL decision's flat) lies. */
export function placeOfFlat(flat: { readonly communeInsee: string; readonly epciSiren: string }): Place {
  return { departement: departementOfCommune(flat.communeInsee), communeInsee: flat.communeInsee, epciSiren: flat.epciSiren };
}
