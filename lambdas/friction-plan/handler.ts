import { frictionEnv } from '#core/friction/env';
import { makePlan } from './app.ts';

const { friction } = frictionEnv(process.env);
const app = makePlan({ friction });

export const handler = async (event: unknown) => app(event);
