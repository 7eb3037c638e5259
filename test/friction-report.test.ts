/** The day in numbers: partials that merge across batches, rates, EMF metrics, digest, chart, discovery. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { addSession, type DaySummary, dayPartial, emptyPartial, mergePartials, summarize } from '#friction/domain/aggregate';
import { renderChart } from '#friction/domain/chart';
import { citationLeak, fingerprintUserText, leakCheck } from '#friction/domain/citations';
import { FRICTION_KINDS, frictionSettings } from '#friction/domain/config';
import { chartInput, renderDigest, renderDiscovery, renderEvidence } from '#friction/domain/digest';
import { emfDocuments, FRICTION_NAMESPACE, RATE_METRIC } from '#friction/domain/metrics';
import { analyseTranscript, foldInto } from '#friction/domain/pipeline';
import { userTexts } from '#friction/domain/session';
import { needRealData, readReal } from './support/real-data.ts';

const config = frictionSettings({ minSteps: 0 });
const name = 'aider_chat-history.part1.md';
const realData = needRealData('agent-sessions');
// Without the real data the suites reading it are skipped; vitest still runs their bodies, here over an empty text.
const aider = analyseTranscript({ name, text: realData.skip ? '' : readReal('agent-sessions', name) }, config);
const DAY = '2024-08-13';

function wholeDay() {
  const p = emptyPartial(DAY);
  foldInto(p, aider);
  return p;
}

describe('aggregation', () => {
  test.skipIf(realData.skip)('partials of any split of the sessions merge into the partial of all of them', () => {
    const whole = wholeDay();
    const parts = [emptyPartial(DAY), emptyPartial(DAY), emptyPartial(DAY)];
    aider.sessions.forEach((s, i) => {
      addSession(parts[i % 3] as ReturnType<typeof emptyPartial>, s.analysed.analysis);
    });
    (parts[0] as ReturnType<typeof emptyPartial>).transcripts = 1;
    const merged = mergePartials(DAY, [parts[2], parts[0], parts[1]] as ReturnType<typeof emptyPartial>[]);
    const { examples: a, delight: da, ...restWhole } = whole;
    const { examples: b, delight: db, ...restMerged } = merged;
    assert.deepEqual(restMerged, restWhole);
    assert.equal(da.sessions, db.sessions);
    for (const k of FRICTION_KINDS) assert.equal(a[k].length, b[k].length, k);
    assert.ok(dayPartial.safeParse(merged).success);
  });

  test.skipIf(realData.skip)('the rate of a kind is the share of analysed sessions with at least one moment of it', () => {
    const p = wholeDay();
    const s = summarize(p, config);
    for (const k of s.kinds) {
      assert.equal(k.rate, p.byKind[k.kind].sessions / p.analysed, k.kind);
      assert.equal(k.breached, k.rate > k.threshold);
    }
    assert.equal(s.frictionRate, p.withFriction / p.analysed);
    assert.ok(s.kinds.find((k) => k.kind === 'abandoned-tool-flow')?.breached, 'abandoned tool flows are above 20% in the Aider history');
  });

  test.skipIf(realData.skip)('a kind the model judge found in sessions the detectors had not raises that rate', () => {
    const p = wholeDay();
    const judged = emptyPartial(DAY);
    judged.judge = {
      sessions: 10,
      newSessionsByKind: Object.fromEntries(FRICTION_KINDS.map((k) => [k, k === 'escalation-tone' ? 5 : 0])) as never,
      newSessionsWithFriction: 2,
      moments: 5,
      citationsDropped: 1,
      invalidOutputs: 0,
    };
    const s = summarize(mergePartials(DAY, [p, judged]), config);
    assert.equal(s.kinds.find((k) => k.kind === 'escalation-tone')?.sessions, 5);
    assert.equal(s.withFriction, p.withFriction + 2);
    assert.equal(s.judge?.citationsDropped, 1);
  });

  test('a transcript that could not be read is counted as skipped, by reason', () => {
    const p = emptyPartial(DAY);
    foldInto(p, { name: 'a.jsonl', ok: false, reason: 'corrupt transcript: line 3 is not JSON', sessions: [] });
    foldInto(p, { name: 'b.txt', ok: false, reason: 'no known transcript format (…)', sessions: [] });
    assert.deepEqual(
      [p.transcripts, p.skipped, p.skippedByReason],
      [2, 2, { 'corrupt transcript': 1, 'no known transcript format (…)': 1 }],
    );
  });
});

describe.skipIf(realData.skip)('metrics in the embedded metric format', () => {
  const summary = summarize(wholeDay(), config);
  const at = new Date('2024-08-14T03:05:00Z');
  const docs = emfDocuments(summary, at) as Record<string, unknown>[];

  test('every document declares its metrics in the friction namespace and carries their values', () => {
    for (const doc of docs) {
      const aws = doc._aws as unknown as {
        Timestamp: number;
        CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
      };
      assert.equal(aws.Timestamp, at.getTime());
      const [directive] = aws.CloudWatchMetrics;
      assert.equal(directive?.Namespace, FRICTION_NAMESPACE);
      for (const d of directive?.Dimensions.flat() ?? []) assert.equal(typeof doc[d], 'string');
      for (const m of directive?.Metrics ?? []) assert.equal(typeof doc[m.Name], 'number', m.Name);
    }
  });

  test('one FrictionRate per kind (what the alarms watch), moments per kind and severity, and the day totals', () => {
    const rates = docs.filter((d) => d.Kind && d[RATE_METRIC] !== undefined);
    assert.deepEqual(rates.map((d) => d.Kind).sort(), [...FRICTION_KINDS].sort());
    for (const d of rates) assert.equal(d[RATE_METRIC], summary.kinds.find((k) => k.kind === d.Kind)?.rate);
    assert.equal(docs.filter((d) => d.Severity).length, FRICTION_KINDS.length * 3);
    const totals = docs.find((d) => d.SessionsAnalysed !== undefined);
    assert.equal(totals?.SessionsAnalysed, summary.analysed);
    assert.equal(totals?.SessionsWithFriction, summary.withFriction);
  });
});

describe('digest, chart, discovery', () => {
  const p = wholeDay();
  const today = summarize(p, config);
  const history: DaySummary[] = Array.from({ length: 12 }, (_, i) => {
    const day = new Date(Date.parse(`${DAY}T00:00:00Z`) - (i + 1) * 86_400_000).toISOString().slice(0, 10);
    return { ...today, day, kinds: today.kinds.map((k) => ({ ...k, rate: k.rate * (0.5 + i / 24) })) };
  });

  test.skipIf(realData.skip)(
    'the digest says what share of sessions had friction, flags kinds above threshold and shows 30 days of each',
    () => {
      const { markdown } = renderDigest(today, history, { chartFile: 'friction.svg' });
      assert.match(markdown, new RegExp(`^# Coding-agent friction, ${DAY}$`, 'm'));
      assert.match(markdown, /\*\*\d+% of sessions had friction\*\*/);
      assert.match(markdown, /^\| 🔴 Abandoned tool flows \| 2\d% \| 20% \|/m);
      const sparkRow = markdown.split('\n').find((l) => l.startsWith('| 🔴 Abandoned tool flows')) ?? '';
      const spark = /`([^`]+)`/.exec(sparkRow)?.[1] ?? '';
      assert.equal([...spark].length, 30);
      assert.match(spark, /·+[▁-█]{13}$/);
      assert.match(markdown, /## What happened/);
    },
  );

  test.skipIf(realData.skip)('the digest repeats nothing any user wrote', () => {
    const check = leakCheck(fingerprintUserText(aider.sessions.flatMap((s) => userTexts(s.session))));
    const { markdown } = renderDigest(today, history);
    for (const line of markdown.split('\n').filter((l) => /[a-z]/.test(l) && !l.startsWith('|'))) {
      assert.equal(citationLeak(line.replace(/[`*#]/g, ''), check), undefined, line);
    }
  });

  test.skipIf(realData.skip)('the chart has a panel per kind with its threshold, the overall share, and the day range', () => {
    const svg = renderChart(chartInput(today, history));
    assert.match(svg, /^<svg [^>]*viewBox="0 0 960 \d+"/);
    assert.equal((svg.match(/<g class="panel">/g) ?? []).length, 8);
    assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 7);
    assert.equal((svg.match(/<polyline /g) ?? []).length, 8);
    assert.match(svg, /2024-07-15 to 2024-08-13/);
    assert.doesNotMatch(svg, /NaN|undefined/);
    // The breached kind's latest value is drawn in red with a marker.
    assert.match(svg, /fill="#c0392b">2\d% ▲<\/text>/);
  });

  test('a day with no data draws "no data" instead of a line', () => {
    const empty = summarize(emptyPartial(DAY), config);
    const svg = renderChart(chartInput(empty, []));
    assert.equal((svg.match(/no data/g) ?? []).length, 8);
    assert.match(renderDigest(empty, []).markdown, /No session was analysed/);
  });

  test.skipIf(realData.skip)('discovery lists clusters, proposed facets and delight, and hands nothing to a coding agent', () => {
    const { title, body } = renderDiscovery(p);
    assert.match(title, /^\[prodloop discovery\] coding-agent sessions, 2024-08-13$/);
    assert.match(body, /For humans to curate: nothing here is handed to a coding agent\./);
    assert.match(body, /^\| (fix|feature|refactor|test|docs|question|other) · /m);
    assert.match(body, /## Proposed facets/);
    assert.match(body, /## Delight/);
  });

  test.skipIf(realData.skip)("the evidence comment on a friction issue gives kind, frequency, severities and the day's examples", () => {
    const k = today.kinds.find((x) => x.kind === 'abandoned-tool-flow');
    assert.ok(k);
    const text = renderEvidence(k, today, { digestLocation: 's3://friction-bucket/digests/2024-08-13.md' });
    assert.match(text, /Frequency: \d+ of \d+ analysed sessions \(2\d%\); alarm threshold 20%/);
    assert.match(text, /Moments by severity: \d+ high, \d+ medium, \d+ low/);
    assert.ok((text.match(/^- \*\*(high|medium|low)\*\*: /gm) ?? []).length >= 3);
  });
});
