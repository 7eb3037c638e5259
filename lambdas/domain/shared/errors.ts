/** Named domain errors; handlers narrow them at the boundary. Names are what ASL `Retry`/`Catch` match. */
export class ProdloopError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An event that no parser accepts: parked for redrive, never retried in a loop. */
export class RejectedEventError extends ProdloopError {}

/** A conditional write lost a race or found the record in another state. */
export class ConflictError extends ProdloopError {}

/** A record that should exist does not. */
export class NotFoundError extends ProdloopError {}

/** Configuration is invalid; raised at synth time or cold start. */
export class ConfigError extends ProdloopError {}

/** A transient failure of a dependency (GitHub, AWS) worth retrying. */
export class TransientError extends ProdloopError {}

export function assertIsError(value: unknown): asserts value is Error {
  if (!(value instanceof Error)) throw new Error(`expected an Error, got ${String(value)}`);
}

export function errorMessage(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}
