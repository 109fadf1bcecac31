import type { AlertRule } from '@vigie/domain';

/** Each alert rule in plain French, as exports show it next to its code (the dashboard's list says the same). */
export const ALERT_RULE_LABELS: Record<AlertRule, string> = {
  RATE_BELOW_TARGET: 'Taux sous la cible',
  TARGET_UNREACHABLE: 'Cible hors d’atteinte d’ici la fin de l’année',
  UNKNOWN_Q1_SHARE: 'Trop de baux au premier quartile inconnu (ressources manquantes)',
  FLUX_DRIFT: 'Écart entre les logements dus et orientés (gestion en flux)',
  CONTINGENT_MISUSE: 'Contingent mal utilisé',
  BILAN_DUE: 'Bilan annuel à remettre',
};
