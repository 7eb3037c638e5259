import type { HealthSignal } from '#domain/signals/signals';

/** AWS Health events as record-deploy recorded them. */
export interface HealthEventSource {
  /** Events of these AWS services that started between two instants, oldest first. */
  between(services: readonly string[], from: string, to: string): Promise<HealthSignal[]>;
}
