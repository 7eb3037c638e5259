/**
 * The issue prodloop files for a lineage: its metadata, labels and assignees, and the Markdown body
 * assembled from its parts within GitHub's size limit, all of it through the sanitizer; and the day's
 * digest observation with its entries. Pure. The parts live beside it: the title and summary
 * (summary.ts), the sections (sections.ts), the marker and metadata block (metadata.ts), the comments
 * on the issue (comments.ts), and the words they share (words.ts, markdown.ts).
 */
import type { ProdloopConfig } from '#domain/config/config';
import type { Decision, Lineage } from '#domain/lineage/lineage';
import { makeSanitizer } from '#domain/privacy/sanitize';
import { pct, unique } from '#domain/shared/format';
import { capped, code, inline, oneLine, truncate } from './markdown.ts';
import type { IssueDraft } from './messages.ts';
import { type IssueMetadata, issueMetadata, lineageMarker, metadataBlock, PRODLOOP_LABEL } from './metadata.ts';
import {
  attributionSection,
  codePathsSection,
  codingAgentSection,
  doneSection,
  errorsSection,
  evidenceSection,
  externalSection,
  hypothesisSection,
  logSamplesSection,
  rankSection,
  reasonsSection,
  relatedSection,
  suspectDeploysSection,
  timelineSection,
  triageSection,
} from './sections.ts';
import { attributionSentence, issueSummary, observationSummary, rankedCandidates, renderTitle, situation } from './summary.ts';

/** Observations carry this label instead of the hand-off labels. */
export const TRIAGE_LABEL = 'needs-triage';

/** GitHub refuses issue bodies over 65,536 characters; stay clear of it. */
const MAX_BODY_CHARS = 60_000;

export interface RenderIssueInput {
  readonly lineage: Lineage;
  readonly decision: Decision;
  readonly config: Pick<ProdloopConfig, 'handoff' | 'githubRepository'> & Partial<Pick<ProdloopConfig, 'privacy' | 'tenantDimension'>>;
  /** Alarms of the same problem folded into this lineage (a storm across alarms). */
  readonly related?: readonly { readonly lineageId: string; readonly alarmName: string }[];
}

/** The sanitizer every rendered text goes through: the configured pseudonym key and identifier keys. */
export function issueSanitizer(config: Partial<Pick<ProdloopConfig, 'privacy' | 'tenantDimension'>>, lineage?: Lineage) {
  return makeSanitizer({
    ...(config.privacy?.hashKey ? { hashKey: config.privacy.hashKey } : {}),
    identifierKeys: [...(config.privacy?.identifierKeys ?? []), ...(config.tenantDimension ? [config.tenantDimension] : [])],
    identifierPatterns: config.privacy?.identifierPatterns ?? [],
    knownIdentifiers: lineage?.signal.tenant ? [{ kind: 'tenant', value: lineage.signal.tenant }] : [],
  });
}

/** Renders the issue (or observation) for a lineage. Throws for an `ignore` decision: nothing is filed for it. */
export function renderIssue({ lineage, decision, config, related = [] }: RenderIssueInput): IssueDraft {
  if (decision.kind === 'ignore') {
    throw new Error(`lineage ${lineage.lineageId}: an ignore decision files no issue`);
  }
  const kind = decision.kind === 'actionable' ? 'issue' : 'observation';
  const metadata = issueMetadata.parse({
    lineageId: lineage.lineageId,
    signalSource: 'cloudwatch-alarm',
    alarmName: lineage.alarmName,
    onset: decision.evidence.onset,
    breadth: decision.evidence.breadth,
    tenantsAffected: decision.evidence.tenantsAffected,
    tenantsActive: decision.evidence.tenantsActive,
    confidence: decision.confidence,
    attribution: decision.attribution,
    tier: decision.tier,
    priority: decision.priority,
    kind,
    generation: lineage.generation,
    prodloopVersion: 1,
    ...(decision.evidence.depth ? { depth: decision.evidence.depth.excess } : {}),
    ...(decision.evidence.statistics
      ? {
          evidence: {
            durationMinutes: decision.evidence.durationMinutes,
            signalToNoise: decision.evidence.signalToNoise,
            ratio: decision.evidence.ratio,
            expectedModel: decision.evidence.statistics.model,
            pAdjusted: decision.evidence.statistics.pAdjusted,
            ...(decision.evidence.rateOfChangePerHour !== undefined ? { rateOfChangePerHour: decision.evidence.rateOfChangePerHour } : {}),
            ...(decision.evidence.excessEvents !== undefined ? { excessEvents: decision.evidence.excessEvents } : {}),
            ...(decision.evidence.signalPaths ? { signalPaths: decision.evidence.signalPaths } : {}),
            candidates: rankedCandidates(decision.evidence.candidates).map((c) => ({
              cause: c.cause,
              confidence: c.confidence,
              ...(c.deployId ? { deployId: c.deployId } : {}),
            })),
          },
        }
      : {}),
    ...(decision.relatedTo ? { relatedTo: decision.relatedTo } : {}),
    ...(decision.digest ? { digest: decision.digest } : {}),
  } satisfies IssueMetadata);

  const rankLabels = [`priority:${decision.priority}`, `tier:${decision.tier}`];
  const labels =
    kind === 'issue'
      ? unique([PRODLOOP_LABEL, ...config.handoff.labels, ...rankLabels])
      : unique([PRODLOOP_LABEL, TRIAGE_LABEL, ...rankLabels]);

  const sections = [
    kind === 'issue' ? issueSummary(lineage, decision) : observationSummary(lineage, decision),
    timelineSection(lineage, decision),
    evidenceSection(lineage, decision),
    errorsSection(decision),
    logSamplesSection(decision),
    suspectDeploysSection(decision),
    externalSection(decision),
    codePathsSection(lineage, decision),
    attributionSection(decision),
    hypothesisSection(decision),
    rankSection(decision),
    relatedSection(related),
    reasonsSection(decision),
    kind === 'issue' ? doneSection(lineage, decision) : triageSection(),
    kind === 'issue' ? codingAgentSection(lineage, decision, config.githubRepository) : '',
  ].filter((s) => s.length > 0);

  // Nothing reaches the tracker without going through the sanitizer.
  const clean = issueSanitizer(config, lineage);
  return {
    lineageId: lineage.lineageId,
    kind,
    title: clean(renderTitle(lineage, decision, kind)),
    body: clean(assembleBody(sections, metadataBlock(metadata))),
    labels,
    assignees: kind === 'issue' ? unique(config.handoff.assignees) : [],
  };
}

/** The lineage id the digest observation of a UTC day is filed under. */
export function digestLineageId(day: string): string {
  return `digest-${day}`;
}

/** The digest observation of a day: one issue collecting the observations beyond the daily cap. */
export function renderDigestIssue(day: string, config: RenderIssueInput['config']): IssueDraft {
  const clean = issueSanitizer(config);
  return {
    lineageId: digestLineageId(day),
    kind: 'observation',
    title: `[prodloop] Digest of ${oneLine(day)}: problems beyond the daily issue cap`,
    body: clean(
      [
        `prodloop reached its cap of new issues for ${oneLine(day)} (UTC). Each problem it found after that is a comment on this observation instead of an issue of its own, so a storm does not bury the tracker.`,
        '',
        '**Nothing here is handed to a coding agent.** A human decides which of these deserve an issue.',
        '',
        lineageMarker(digestLineageId(day)),
        '',
      ].join('\n'),
    ),
    labels: unique([PRODLOOP_LABEL, TRIAGE_LABEL, 'digest']),
    assignees: [],
  };
}

/** One problem in the day's digest: what, since when, how broad, the likely cause and why not an issue. No marker. */
export function renderDigestEntry(lineage: Lineage, decision: Decision, config: RenderIssueInput['config']): string {
  const clean = issueSanitizer(config, lineage);
  return clean(
    [
      `### ${inline(renderTitle(lineage, decision, decision.kind === 'actionable' ? 'issue' : 'observation'))}`,
      '',
      `${situation(lineage, decision)} ${attributionSentence(decision)}`,
      '',
      `Lineage ${code(lineage.lineageId)} · ${decision.priority} · Tier ${decision.tier} · ${decision.attribution} (${pct(decision.confidence)})`,
      '',
      ...capped(decision.reasons, (r) => `- ${inline(r)}`),
    ].join('\n'),
  );
}

/** Joins the sections and the metadata block, dropping trailing sections if the body grows past GitHub's limit. */
function assembleBody(sections: string[], metadata: string): string {
  const kept = [...sections];
  const note = '_Some sections were left out to stay within GitHub’s size limit._';
  let body = [...kept, metadata].join('\n\n');
  while (body.length > MAX_BODY_CHARS && kept.length > 1) {
    kept.pop();
    body = [...kept, note, metadata].join('\n\n');
  }
  if (body.length > MAX_BODY_CHARS) {
    const room = MAX_BODY_CHARS - metadata.length - note.length - 10;
    body = [truncate(kept[0] ?? '', Math.max(room, 0)), note, metadata].join('\n\n');
  }
  return `${body}\n`;
}
