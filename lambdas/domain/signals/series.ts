/** Metric series and log samples as the sources return them: what triage and validation compute on. */
export interface Point {
  readonly at: string;
  readonly value: number;
}

/** One tenant's series of a metric; `tenant` is the raw dimension value (triage hashes it before use). */
export interface TenantSeries {
  readonly tenant: string;
  readonly points: readonly Point[];
}

export interface LogSample {
  readonly at: string;
  /** The raw line: triage sanitizes it before anything else sees it. */
  readonly message: string;
}
