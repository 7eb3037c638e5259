/**
 * "Cost Reported" events: what CI or a coding agent spent on a lineage, charged to its budget.
 * Pure: no I/O, never throws on bad input.
 */
import * as z from 'zod';
import { isRecord, reasonOf, rejected, toIsoDate } from './parsing.ts';
import type { ParseResult } from './signals.ts';

export const COST_REPORTED = 'Cost Reported';

const says = (text: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : text) });

/** The `detail` of a "Cost Reported" event. Unknown fields are dropped. */
export const costReportedDetail = z
  .object({
    /** The lineage charged (`lin-…`, from the issue's metadata block or the `Prodloop-Lineage:` trailer). */
    lineageId: z
      .string(says('must be a string'))
      .regex(/^lin-[A-Za-z0-9_-]+$/, 'must be a lineage id, e.g. lin-a7d0c64bd338e88b')
      .optional(),
    /** Or the number of the lineage's issue. */
    issueNumber: z.number(says('must be a number')).int('must be an integer').positive('must be positive').optional(),
    amountUsd: z
      .number(says('must be a number of USD'))
      .min(0, 'must not be negative')
      .max(100_000, 'must be at most 100000 per event: report large costs in parts'),
    /** Who spent it, e.g. `ci` or `coding-agent`. */
    source: z.string(says('must be a string')).min(1, 'must not be empty').max(100, 'at most 100 characters'),
    /** Unique per cost; the idempotency key (defaults to the event id). */
    costId: z.string(says('must be a string')).min(1, 'must not be empty').max(200, 'at most 200 characters').optional(),
    description: z.string(says('must be a string')).max(500, 'at most 500 characters').optional(),
    /** When it was spent, ISO 8601 with offset; defaults to the event's time. */
    at: z
      .string(says('must be a string'))
      .datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2025-01-31T12:00:00Z' })
      .optional(),
  })
  .refine((d) => d.lineageId !== undefined || d.issueNumber !== undefined, { message: 'name the lineage: lineageId or issueNumber' });

export interface CostReport {
  readonly lineageId?: string;
  readonly issueNumber?: number;
  readonly amountUsd: number;
  readonly source: string;
  readonly costId: string;
  readonly description?: string;
  readonly at: string;
}

const envelope = z.object({
  id: z.string().optional(),
  'detail-type': z.string(),
  time: z.string().optional(),
  detail: z.unknown(),
});

/** Parses a "Cost Reported" event into a charge for a lineage. */
export function parseCostEvent(raw: unknown): ParseResult<CostReport> {
  if (!isRecord(raw)) return rejected('not a cost event: not a JSON object');
  const parsed = envelope.safeParse(raw);
  if (!parsed.success) return rejected(`not a cost event: ${reasonOf(parsed.error, raw)}`);
  if (parsed.data['detail-type'] !== COST_REPORTED) return rejected(`not a cost event: detail-type=${parsed.data['detail-type']}`);
  const detail = costReportedDetail.safeParse(parsed.data.detail);
  if (!detail.success) {
    const issues = detail.error.issues.map((i) => `detail${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`).join('; ');
    return rejected(`invalid "${COST_REPORTED}" event: ${issues}`);
  }
  const d = detail.data;
  const at = toIsoDate(d.at) ?? toIsoDate(parsed.data.time);
  if (at === undefined) return rejected(`invalid "${COST_REPORTED}" event: no detail.at and no event time`);
  const costId = d.costId ?? parsed.data.id;
  if (costId === undefined) return rejected(`invalid "${COST_REPORTED}" event: no detail.costId and no event id to deduplicate by`);
  return {
    outcome: 'accepted',
    signal: {
      ...(d.lineageId !== undefined ? { lineageId: d.lineageId } : {}),
      ...(d.issueNumber !== undefined ? { issueNumber: d.issueNumber } : {}),
      amountUsd: d.amountUsd,
      source: d.source,
      costId,
      ...(d.description !== undefined ? { description: d.description } : {}),
      at,
    },
  };
}
