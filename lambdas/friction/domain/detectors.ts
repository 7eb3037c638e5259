/**
 * The deterministic friction detectors, one per kind. Each reads the normalized session and returns
 * moments: kind, severity and a citation written from a template (counts and categories only).
 * They need nothing else: no model, no network. They live in detectors/ by family: runs of events
 * (flows.ts), repetition (repetition.ts), cues in the user's prose (prose.ts), over the session view
 * they share (session-view.ts).
 */
import type { FrictionConfig } from './config.ts';
import { abandonedToolFlows, errorEvents } from './detectors/flows.ts';
import { backtracking, escalationTone, platformConfusion } from './detectors/prose.ts';
import { contextChurn, repeatedRephrasing } from './detectors/repetition.ts';
import { type Moment, SessionView } from './detectors/session-view.ts';
import type { Session } from './session.ts';

/** Every detector, in the order of FRICTION_KINDS. */
export function detectFriction(session: Session, config: FrictionConfig, view = new SessionView(session)): Moment[] {
  return [
    ...abandonedToolFlows(view),
    ...repeatedRephrasing(view, config),
    ...contextChurn(view, config),
    ...errorEvents(view),
    ...escalationTone(view),
    ...backtracking(view),
    ...platformConfusion(view),
  ];
}
