/**
 * What lets prodloop (and anyone) recognise a lineage's issue again: the label every prodloop issue
 * carries, the lineage's marker, and the machine-readable metadata block at the end of the body (its
 * schema, how it is written, how it is read back); and the trailer a fix names its lineage with. Pure.
 */
import * as z from 'zod';
import { attributionCause, decision as decisionSchema } from '#domain/lineage/lineage';
import { isoDate } from '#domain/signals/signals';

/** Every issue prodloop files carries this label: it is how the tracker lists them to find a lineage's marker. */
export const PRODLOOP_LABEL = 'prodloop';
/** Info string of the fenced metadata block. */
export const METADATA_FENCE = 'json prodloop-metadata';
/** Trailer a pull request or commit can carry to name the lineage it fixes. */
export const LINEAGE_TRAILER = 'Prodloop-Lineage';

export const issueMetadata = z.object({
  lineageId: z.string().min(1),
  /** Where the lineage's signal came from; grows with new signal kinds. */
  signalSource: z.enum(['cloudwatch-alarm']),
  alarmName: z.string().min(1),
  onset: isoDate,
  breadth: z.number().min(0).max(1),
  tenantsAffected: z.number().int().min(0),
  tenantsActive: z.number().int().min(0),
  confidence: z.number().min(0).max(1),
  attribution: attributionCause,
  tier: decisionSchema.shape.tier,
  priority: decisionSchema.shape.priority,
  kind: z.enum(['issue', 'observation']),
  generation: z.number().int().min(1),
  prodloopVersion: z.literal(1),
  /** Fraction of operations failing because of the incident, when a traffic metric is configured. */
  depth: z.number().optional(),
  /** The numbers behind the decision (decisions of signal-driven triage). */
  evidence: z
    .object({
      durationMinutes: z.number(),
      signalToNoise: z.number(),
      ratio: z.number(),
      expectedModel: z.string(),
      pAdjusted: z.number(),
      rateOfChangePerHour: z.number().optional(),
      excessEvents: z.number().optional(),
      signalPaths: z.array(z.string()).optional(),
      candidates: z.array(z.object({ cause: attributionCause, confidence: z.number(), deployId: z.string().optional() })),
    })
    .optional(),
  /** The lineage this one's problem is folded into. */
  relatedTo: z.string().optional(),
  /** The UTC day whose digest this observation went into. */
  digest: z.string().optional(),
});
export type IssueMetadata = z.infer<typeof issueMetadata>;

/** The HTML comment that marks an issue as the one filed for a lineage. */
export function lineageMarker(lineageId: string): string {
  return `<!-- prodloop:lineage=${lineageId} -->`;
}

/** Reads the metadata block of an issue body (the last one, if a human quoted another). */
export function parseIssueMetadata(body: string): IssueMetadata | undefined {
  const fence = /```json prodloop-metadata[ \t]*\r?\n([\s\S]*?)\r?\n```/g;
  let last: string | undefined;
  for (const match of body.matchAll(fence)) last = match[1];
  if (last === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(last);
  } catch {
    return undefined;
  }
  const result = issueMetadata.safeParse(raw);
  return result.success ? result.data : undefined;
}

/** The marker and the metadata block that end an issue body. */
export function metadataBlock(metadata: IssueMetadata): string {
  // Escaped so that text from outside (the alarm name) cannot open an HTML comment or close the fence.
  const json = JSON.stringify(metadata, null, 2).replace(/[<>`]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return [lineageMarker(metadata.lineageId), `\`\`\`${METADATA_FENCE}`, json, '```'].join('\n');
}
