/**
 * How a run started by an `on: alert: <rule>` trigger records its cause: the trigger's detail names
 * the rule, the deployment and the alert event, so a client can go from an alert to the runs it
 * started. One place writes the detail and reads it back.
 */
import type { TriggerRecord } from '../../model/pipeline';

/** A firing alert, as an `alert` trigger needs it. */
export interface FiredAlert {
  id: number;
  rule: string;
  deployment: string;
  severity: string;
  value?: number;
  threshold: number;
}

/** The trigger record of a run that `alert` started. */
export function alertTrigger(alert: FiredAlert): TriggerRecord {
  return {
    kind: 'alert',
    detail: `${alert.rule} firing on ${alert.deployment} (${alert.severity}, value ${alert.value ?? 'n/a'}, threshold ${alert.threshold}, alert event ${alert.id})`,
  };
}

/** The alert event that started a run, when an `alert` trigger did. */
export function alertEventOf(trigger: TriggerRecord): number | undefined {
  if (trigger.kind !== 'alert') return undefined;
  const match = /alert event (\d+)\)$/.exec(trigger.detail ?? '');
  return match ? Number(match[1]) : undefined;
}
