/** Drift alert settings; the defaults apply unless a CIA sets its own (see alerts.ts for the rules). */
export interface AlertSettings {
  readonly tolerance: number;
  readonly minimumSample: number;
  readonly hysteresis: number;
  readonly unknownQ1MaxShare: number;
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  tolerance: 0.02,
  minimumSample: 20,
  hysteresis: 0.02,
  unknownQ1MaxShare: 0.1,
};
