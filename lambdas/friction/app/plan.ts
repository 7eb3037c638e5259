/** friction-plan: what one daily execution works on (the previous day, or the day it was asked to rerun), and where. */
import type { FrictionConfig } from '#friction/domain/config';
import { type Plan, planRun } from '#friction/domain/run';

export function makePlan(deps: { friction: FrictionConfig }) {
  return async (event: unknown): Promise<Plan> => planRun(event, deps.friction);
}
