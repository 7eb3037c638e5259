/** The clock: real on AWS, simulated in local runs. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
