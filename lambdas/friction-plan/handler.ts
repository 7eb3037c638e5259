import { frictionEnv } from '#friction/adapters/env';
import { makePlan } from '#friction/app/plan';

// Built on the first invocation, from the environment the friction construct sets (FRICTION_BUCKET):
// a missing or invalid value fails that invocation with a ConfigError naming it.
let app: ReturnType<typeof makePlan> | undefined;

export const handler = async (event: unknown) => {
  app ??= makePlan({ friction: frictionEnv(process.env).friction });
  return app(event);
};
