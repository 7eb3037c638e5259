/**
 * The figures of the validation benchmark: per condition, pooled, and for the late-starting regressions;
 * the summary against the targets, and the text report.
 */
import { median } from '#domain/shared/stats';
import type { Series } from './series.ts';
import type { LateRun, Run } from './tests.ts';

const TARGETS = { falseAndon: 0.01, powerX2: 0.95, ratioToSprt: 1.5, ratioToMwu: 1 / 3 } as const;

// ---------------------------------------------------------------------------------------------
// Figures

const share = (xs: readonly boolean[]) => (xs.length ? xs.filter(Boolean).length / xs.length : Number.NaN);
const caught = (x: number) => Number.isFinite(x);

export interface ConditionFigures {
  readonly group: Series['group'];
  readonly condition: string;
  readonly effect: number;
  readonly series: number;
  /** No-change conditions: share with a "worse" verdict within 24 h. Effect conditions: share caught within 24 h. */
  readonly prodloop: number;
  readonly prodloop5: number;
  readonly prodloopHour: number;
  readonly sprt: number;
  readonly mwu: number;
  readonly mwuFirstInterval: number;
  /** Median minutes to "worse" (Infinity when fewer than half are caught). */
  readonly medianProdloop: number;
  readonly medianProdloop5: number;
  readonly medianProdloopHour: number;
  readonly medianSprt: number;
  readonly medianMwu: number;
  readonly ratioToSprt: number;
  readonly ratioToMwu: number;
}

export function figures(runs: readonly Run[]): ConditionFigures[] {
  const byCondition = new Map<string, Run[]>();
  for (const r of runs) byCondition.set(r.condition, [...(byCondition.get(r.condition) ?? []), r]);
  return [...byCondition.values()].map((rs) => {
    const first = rs[0] as Run;
    const m = (pick: (r: Run) => number) => median(rs.map(pick));
    const medianProdloop = m((r) => r.prodloop);
    const medianSprt = m((r) => r.sprt);
    const medianMwu = m((r) => r.mwu);
    return {
      group: first.group,
      condition: first.condition,
      effect: first.effect,
      series: rs.length,
      prodloop: share(rs.map((r) => caught(r.prodloop))),
      prodloop5: share(rs.map((r) => caught(r.prodloop5))),
      prodloopHour: share(rs.map((r) => caught(r.prodloopHour))),
      sprt: share(rs.map((r) => caught(r.sprt))),
      mwu: share(rs.map((r) => caught(r.mwu))),
      mwuFirstInterval: share(rs.map((r) => r.mwuFirstInterval)),
      medianProdloop,
      medianProdloop5: m((r) => r.prodloop5),
      medianProdloopHour: m((r) => r.prodloopHour),
      medianSprt,
      medianMwu,
      // A ratio only where both catch at least half (a median is Infinity otherwise).
      ratioToSprt: Number.isFinite(medianSprt) ? medianProdloop / medianSprt : Number.NaN,
      ratioToMwu: Number.isFinite(medianMwu) ? medianProdloop / medianMwu : Number.NaN,
    };
  });
}

export interface Summary {
  readonly falseAndon: {
    readonly rate: number;
    readonly series: number;
    readonly byGroup: Record<string, { rate: number; series: number }>;
  };
  readonly falseAndon5: number;
  readonly falseAndonSprt: number;
  readonly falseAndonMwu: number;
  readonly powerX2: { readonly rate: number; readonly series: number; readonly byGroup: Record<string, { rate: number; series: number }> };
  /** Over synthetic effect conditions where both medians are finite: the median and the largest ratio. */
  readonly ratioToSprt: { readonly median: number; readonly max: number; readonly conditions: number; readonly met: number };
  /** The same over NAB, against a plug-in SPRT (not an optimum: the true parameters of real series are unknown). */
  readonly ratioToPlugInSprt: { readonly median: number; readonly max: number; readonly conditions: number; readonly met: number };
  readonly ratioToMwu: { readonly median: number; readonly max: number; readonly conditions: number; readonly met: number };
  readonly pairedRatioToSprt: number;
  readonly missed: string[];
}

export function summarize(runs: readonly Run[], conditions: readonly ConditionFigures[]): Summary {
  const nulls = runs.filter((r) => r.effect === 1);
  const groups = [...new Set(runs.map((r) => r.group))];
  const rateOf = (rs: readonly Run[], pick: (r: Run) => number) => share(rs.map((r) => caught(pick(r))));
  const byGroup = (rs: readonly Run[]) =>
    Object.fromEntries(
      groups.map((g) => {
        const gs = rs.filter((r) => r.group === g);
        return [g, { rate: rateOf(gs, (r) => r.prodloop), series: gs.length }];
      }),
    );
  const x2 = runs.filter((r) => r.effect === 2);
  const effects = conditions.filter((c) => c.effect > 1);
  // The SPRT is the optimum only where the true parameters are known: on synthetic series. On NAB
  // it is a plug-in (the last day's mean and spread), reported but not scored against the target.
  const synthetic = effects.filter((c) => c.group !== 'nab');
  const ratio = (pick: (c: ConditionFigures) => number, target: number, among = effects) => {
    const rs = among.map(pick).filter((x) => Number.isFinite(x) && x > 0);
    return {
      median: median(rs),
      max: rs.length ? Math.max(...rs) : Number.NaN,
      conditions: rs.length,
      met: rs.filter((x) => x <= target).length,
    };
  };
  const paired = runs
    .filter((r) => r.group !== 'nab' && r.effect > 1 && caught(r.prodloop) && caught(r.sprt))
    .map((r) => r.prodloop / r.sprt);
  const summary: Omit<Summary, 'missed'> = {
    falseAndon: { rate: rateOf(nulls, (r) => r.prodloop), series: nulls.length, byGroup: byGroup(nulls) },
    falseAndon5: rateOf(nulls, (r) => r.prodloop5),
    falseAndonSprt: rateOf(nulls, (r) => r.sprt),
    falseAndonMwu: rateOf(nulls, (r) => r.mwu),
    powerX2: { rate: rateOf(x2, (r) => r.prodloop), series: x2.length, byGroup: byGroup(x2) },
    ratioToSprt: ratio((c) => c.ratioToSprt, TARGETS.ratioToSprt, synthetic),
    ratioToPlugInSprt: ratio(
      (c) => c.ratioToSprt,
      TARGETS.ratioToSprt,
      effects.filter((c) => c.group === 'nab'),
    ),
    ratioToMwu: ratio((c) => c.ratioToMwu, TARGETS.ratioToMwu),
    pairedRatioToSprt: median(paired),
  };
  const missed: string[] = [];
  if (!(summary.falseAndon.rate <= TARGETS.falseAndon))
    missed.push(`false andon rate ${pct(summary.falseAndon.rate)} > ${pct(TARGETS.falseAndon)} on no-change series`);
  if (!(summary.powerX2.rate >= TARGETS.powerX2))
    missed.push(`×2 regressions caught ${pct(summary.powerX2.rate)} < ${pct(TARGETS.powerX2)}`);
  if (summary.ratioToSprt.met < summary.ratioToSprt.conditions)
    missed.push(
      `median time to worse ≤ ${TARGETS.ratioToSprt}× the SPRT optimum in ${summary.ratioToSprt.met} of ${summary.ratioToSprt.conditions} synthetic effect conditions (largest ${summary.ratioToSprt.max.toFixed(2)}×)`,
    );
  if (summary.ratioToMwu.met < summary.ratioToMwu.conditions)
    missed.push(
      `median time to worse ≤ one third of the fixed-horizon test's in ${summary.ratioToMwu.met} of ${summary.ratioToMwu.conditions} conditions where that test catches half (largest ${summary.ratioToMwu.max.toFixed(2)}×)`,
    );
  return { ...summary, missed };
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(x < 0.1 && x > 0 ? 2 : 1)} %` : '—');
const mins = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : `${+x.toFixed(1)}`) : '—');
const times = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');

export function renderText(
  conditions: readonly ConditionFigures[],
  summary: Summary,
  late: readonly LateFigures[],
  meta: Record<string, unknown>,
): string {
  const out: string[] = [];
  out.push(`Validation benchmark · ${JSON.stringify(meta)}`);
  for (const group of ['rate', 'latency', 'nab'] as const) {
    const cs = conditions.filter((c) => c.group === group);
    if (!cs.length) continue;
    out.push(
      '',
      `## ${group === 'rate' ? 'Error rate (counts over traffic)' : group === 'latency' ? 'Latency (per-minute p99)' : 'NAB real CloudWatch series, shifts injected'}`,
      '',
    );
    out.push('No change (share with a false "worse" within 24 h):', '');
    out.push(
      '| condition | series | prodloop | prodloop, 5-min looks | prodloop, 1-h reference | SPRT (×2 alt.) | MWU any hour | MWU first hour |',
    );
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const c of cs.filter((x) => x.effect === 1))
      out.push(
        `| ${c.condition} | ${c.series} | ${pct(c.prodloop)} | ${pct(c.prodloop5)} | ${pct(c.prodloopHour)} | ${pct(c.sprt)} | ${pct(c.mwu)} | ${pct(c.mwuFirstInterval)} |`,
      );
    out.push('', 'Effect (caught within 24 h; median minutes to "worse"; ratio of medians):', '');
    out.push(
      '| condition | series | caught | median min | SPRT caught | SPRT median | MWU caught | MWU median | ÷ SPRT | ÷ MWU | 5-min looks median | 1-h reference median |',
    );
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const c of cs.filter((x) => x.effect > 1))
      out.push(
        `| ${c.condition} | ${c.series} | ${pct(c.prodloop)} | ${mins(c.medianProdloop)} | ${pct(c.sprt)} | ${mins(c.medianSprt)} | ${pct(c.mwu)} | ${mins(c.medianMwu)} | ${times(c.ratioToSprt)} | ${times(c.ratioToMwu)} | ${mins(c.medianProdloop5)} | ${mins(c.medianProdloopHour)} |`,
      );
  }
  if (late.length) {
    const start = (late[0] as LateFigures).startMinutes;
    out.push(
      '',
      `## Regressions starting ${start / 60} h after the deploy`,
      '',
      `Median minutes from the start to "worse" (over series with none before it; — when fewer than half are caught within 24 h of the deploy). prodloop: as deployed (since the deploy or any later hour); since the deploy: that comparison alone; SPRT: true parameters, started at the change; MWU: the first significant hour from the change on.`,
      '',
    );
    out.push(
      '| condition | series | prodloop | prodloop, 5-min looks | since the deploy alone | SPRT at the change | MWU | caught: prodloop / since deploy / SPRT / MWU | "worse" before the start: prodloop / since deploy / MWU |',
    );
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
    for (const c of late)
      out.push(
        `| ${c.condition} | ${c.series} | ${mins(c.median.prodloop)} | ${mins(c.median.prodloop5)} | ${mins(c.median.sinceDeploy)} | ${mins(c.median.sprt)} | ${mins(c.median.mwu)} | ${[c.caught.prodloop, c.caught.sinceDeploy, c.caught.sprt, c.caught.mwu].map(pct).join(' / ')} | ${[c.before.prodloop, c.before.sinceDeploy, c.before.mwu].map(pct).join(' / ')} |`,
      );
  }
  out.push('', '## Against the targets', '');
  const g = (r: Record<string, { rate: number; series: number }>) =>
    Object.entries(r)
      .filter(([, v]) => v.series > 0)
      .map(([k, v]) => `${k} ${pct(v.rate)} of ${v.series}`)
      .join(', ');
  out.push(
    `- false andon rate on no-change series: ${pct(summary.falseAndon.rate)} of ${summary.falseAndon.series} (${g(summary.falseAndon.byGroup)}); target ≤ ${pct(TARGETS.falseAndon)}. With 5-min looks ${pct(summary.falseAndon5)}; SPRT ${pct(summary.falseAndonSprt)}; MWU over 24 hourly intervals ${pct(summary.falseAndonMwu)}`,
  );
  out.push(
    `- ×2 regressions caught within 24 h: ${pct(summary.powerX2.rate)} of ${summary.powerX2.series} (${g(summary.powerX2.byGroup)}); target ≥ ${pct(TARGETS.powerX2)}`,
  );
  out.push(
    `- median time to worse ÷ SPRT optimum (synthetic series, true parameters): median ${times(summary.ratioToSprt.median)}, largest ${times(summary.ratioToSprt.max)}, ≤ ${TARGETS.ratioToSprt}× in ${summary.ratioToSprt.met} of ${summary.ratioToSprt.conditions} effect conditions; paired per series ${times(summary.pairedRatioToSprt)}. On NAB against a plug-in SPRT (not an optimum): median ${times(summary.ratioToPlugInSprt.median)}, ≤ ${TARGETS.ratioToSprt}× in ${summary.ratioToPlugInSprt.met} of ${summary.ratioToPlugInSprt.conditions}`,
  );
  out.push(
    `- median time to worse ÷ fixed-horizon MWU: median ${times(summary.ratioToMwu.median)}, largest ${times(summary.ratioToMwu.max)}, ≤ 1/3 in ${summary.ratioToMwu.met} of ${summary.ratioToMwu.conditions} conditions where MWU catches half`,
  );
  out.push('', summary.missed.length ? `Missed targets:\n${summary.missed.map((m) => `- ${m}`).join('\n')}` : 'All targets met.');
  return out.join('\n');
}

export interface LateFigures {
  readonly condition: string;
  readonly series: number;
  readonly startMinutes: number;
  /** Share of series with a "worse" before the regression started (a false andon). */
  readonly before: { readonly prodloop: number; readonly sinceDeploy: number; readonly mwu: number };
  /** Share of series caught after the start, within the horizon (24 h after the deploy). */
  readonly caught: { readonly prodloop: number; readonly sinceDeploy: number; readonly sprt: number; readonly mwu: number };
  /**
   * Median minutes from the start to "worse", over the series with none before it (Infinity when
   * fewer than half are caught).
   */
  readonly median: {
    readonly prodloop: number;
    readonly prodloop5: number;
    readonly sinceDeploy: number;
    readonly sprt: number;
    readonly mwu: number;
  };
}

export function lateFigures(runs: readonly LateRun[], startMinutes: number): LateFigures[] {
  const byCondition = new Map<string, LateRun[]>();
  for (const r of runs) byCondition.set(r.condition, [...(byCondition.get(r.condition) ?? []), r]);
  return [...byCondition.values()].map((rs) => {
    const before = (at: number) => at <= startMinutes;
    const after = (pick: (r: LateRun) => number) => rs.map(pick).filter((at) => !before(at));
    const fromStart = (pick: (r: LateRun) => number) => median(after(pick).map((at) => at - startMinutes));
    const caughtShare = (pick: (r: LateRun) => number) => share(after(pick).map(caught));
    return {
      condition: (rs[0] as LateRun).condition,
      series: rs.length,
      startMinutes,
      before: {
        prodloop: share(rs.map((r) => before(r.prodloop))),
        sinceDeploy: share(rs.map((r) => before(r.sinceDeploy))),
        mwu: share(rs.map((r) => r.mwuBefore)),
      },
      caught: {
        prodloop: caughtShare((r) => r.prodloop),
        sinceDeploy: caughtShare((r) => r.sinceDeploy),
        sprt: caughtShare((r) => r.sprt),
        mwu: caughtShare((r) => r.mwu),
      },
      median: {
        prodloop: fromStart((r) => r.prodloop),
        prodloop5: fromStart((r) => r.prodloop5),
        sinceDeploy: fromStart((r) => r.sinceDeploy),
        sprt: fromStart((r) => r.sprt),
        mwu: fromStart((r) => r.mwu),
      },
    };
  });
}
