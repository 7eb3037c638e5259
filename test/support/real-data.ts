/**
 * Real data written by others (AWS and GitHub example events, real coding-agent transcripts, NAB
 * CloudWatch series), read in place and never copied into the project: from `../shared/fixtures/real/`
 * beside the project root (its SOURCES.md says where each file comes from and under which license), or
 * from the folder PRODLOOP_REAL_DATA names (absolute, or relative to the project root).
 *
 * Tests call `needRealData(...)` once, at the top of the file, and skip the suites that read it with
 * `describe.skipIf(real.skip)`: when the data is missing, under CI (CI=true) the test file fails with a
 * message naming the folder; elsewhere it prints that message and the suites are skipped. Benchmarks
 * call `assertRealData(...)`, which always fails when the data is missing.
 *
 * The folder holds more than the project reads; the files the project reads are listed here, so that
 * a test that goes through a whole folder sees the same files wherever the folder comes from.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REAL_DATA_ENV = 'PRODLOOP_REAL_DATA';
const DEFAULT_REAL_DATA = '../shared/fixtures/real';
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The files the tests and benchmarks read, per folder of the real data. */
export const REAL_FILES = {
  'cloudwatch-alarms': [
    'awsdocs-cwug_cloudwatch-and-eventbridge__creation-of-a-composite-alarm.json',
    'awsdocs-cwug_cloudwatch-and-eventbridge__state-change-for-a-composite-alarm-with-a-suppressor-alarm.json',
    'awsdocs-cwug_cloudwatch-and-eventbridge__state-change-for-a-metric-math-alarm.json',
    'awsdocs-cwug_cloudwatch-and-eventbridge__state-change-for-a-single-metric-alarm.json',
    'awsdocs-cwug_cloudwatch-and-eventbridge__state-change-for-an-anomaly-detection-alarm.json',
    'awsdocs-cwug_cloudwatch-and-eventbridge__update-of-a-metric-alarm.json',
    'pt-python_cloudWatchAlarmEventSingleMetric.json',
    'rustlambda_example-cloudwatch-alarm-sns-payload-single-metric.json',
  ],
  'deploy-events': [
    'awsdocs-cfnug_eventbridge-events__the-following-is-an-example-response-for-a-stack-status-event-schema.json',
    'awsdocs-ecsdg_ecs_cwe_events__example-service-deployment-completed-event.json',
    'awsdocs-ecsdg_ecs_cwe_events__example-service-deployment-failed-event.json',
    'awsdocs-ecsdg_ecs_cwe_events__example-service-steady-state-event.json',
    'awsdocs-ecsdg_ecs_cwe_events__the-following-shows-an-example-output-for-an-initial-deployment-starti.json',
    'rustlambda_example-codedeploy-deployment-event.json',
  ],
  'github-webhooks': [
    'octokit_check_suite__completed.payload.json',
    'octokit_check_suite__requested.payload.json',
    'octokit_check_suite__rerequested.payload.json',
    'octokit_deployment__gh-pages.payload.json',
    'octokit_deployment__payload.json',
    'octokit_deployment_status__gh-pages.payload.json',
    'octokit_deployment_status__payload.json',
    'octokit_issue_comment__created.payload.json',
    'octokit_issue_comment__deleted.payload.json',
    'octokit_issue_comment__edited.payload.json',
    'octokit_issues__assigned.payload.json',
    'octokit_issues__deleted.payload.json',
    'octokit_issues__demilestoned.payload.json',
    'octokit_issues__edited.payload.json',
    'octokit_issues__labeled.payload.json',
    'octokit_issues__locked.payload.json',
    'octokit_issues__milestoned.payload.json',
    'octokit_issues__opened.payload.json',
    'octokit_issues__pinned.payload.json',
    'octokit_issues__reopened.payload.json',
    'octokit_issues__unassigned.payload.json',
    'octokit_issues__unlabeled.payload.json',
    'octokit_issues__unlocked.payload.json',
    'octokit_issues__unpinned.payload.json',
    'octokit_pull_request__assigned.payload.json',
    'octokit_pull_request__closed.payload.json',
    'octokit_pull_request__converted_to_draft.payload.json',
    'octokit_pull_request__labeled.payload.json',
    'octokit_pull_request__locked.payload.json',
    'octokit_pull_request__opened.payload.json',
    'octokit_pull_request__ready_for_review.payload.json',
    'octokit_pull_request__reopened.payload.json',
    'octokit_pull_request__review_request_removed.payload.json',
    'octokit_pull_request__review_requested.payload.json',
    'octokit_pull_request__synchronize.payload.json',
    'octokit_pull_request__unassigned.payload.json',
    'octokit_pull_request__unlabeled.payload.json',
    'octokit_pull_request__unlocked.payload.json',
    'octokit_push__1.payload.json',
    'octokit_push__payload.json',
    'octokit_push__with-new-branch.payload.json',
    'octokit_push__with-no-username-committer.payload.json',
    'octokit_workflow_job__in_progress.payload.json',
    'octokit_workflow_job__in_progress.with-queued-steps.payload.json',
    'octokit_workflow_job__queued.payload.json',
    'octokit_workflow_job__queued.with-deployment.payload.json',
    'octokit_workflow_job__waiting.payload.json',
    'octokit_workflow_run__completed.payload.json',
    'octokit_workflow_run__completed.with-pull-requests.payload.json',
    'octokit_workflow_run__requested.payload.json',
    'octokit_workflow_run__requested.with-conclusion.payload.json',
  ],
  /** Real coding-agent transcripts, one format each (Claude Code, Codex CLI, Aider, OpenHands, SWE-agent). */
  'agent-sessions': [
    'agentcmd_full-session-four.jsonl',
    'agentcmd_rollout-2025-09-25T15-12-14-019982b8-3422-79e0-8b3b-05abaf4f3c3e.jsonl',
    'aider_chat-history.part1.md',
    'openhands_basic_gui_mode.json',
    'sweagent_pydicom__pydicom-1458.traj',
  ],
  /** NAB's real AWS CloudWatch series and their labelled anomaly windows (not ec2_disk_write_bytes: nine values in ten are zero). */
  nab: [
    'nab_ec2_cpu_utilization_24ae8d.csv',
    'nab_ec2_cpu_utilization_5f5533.csv',
    'nab_ec2_cpu_utilization_825cc2.csv',
    'nab_ec2_cpu_utilization_c6585a.csv',
    'nab_ec2_network_in_257a54.csv',
    'nab_elb_request_count_8c0756.csv',
    'nab_iio_us-east-1_i-a2eb1cd9_NetworkIn.csv',
    'nab_rds_cpu_utilization_e47b3b.csv',
    'nab_windows_realAWSCloudwatch.json',
  ],
} as const satisfies Record<string, readonly string[]>;

export type RealFolder = keyof typeof REAL_FILES;

/** The folder of the real data: PRODLOOP_REAL_DATA, or ../shared/fixtures/real beside the project. */
export function realDataRoot(): string {
  return resolve(projectRoot, process.env[REAL_DATA_ENV] || DEFAULT_REAL_DATA);
}

export function realDir(folder: RealFolder): string {
  return join(realDataRoot(), folder);
}

export function realPath(folder: RealFolder, file: string): string {
  return join(realDir(folder), file);
}

/** The files of a folder the project reads, in a stable order. */
export function realFiles(folder: RealFolder): readonly string[] {
  return REAL_FILES[folder];
}

export function readReal(folder: RealFolder, file: string): string {
  return readFileSync(realPath(folder, file), 'utf8');
}

/** Why the real data cannot be read, naming the folder; undefined when every listed file is there. */
export function missingRealData(...folders: RealFolder[]): string | undefined {
  const how = process.env[REAL_DATA_ENV] ? `${REAL_DATA_ENV}=${process.env[REAL_DATA_ENV]}` : `${DEFAULT_REAL_DATA} beside the project`;
  const problems = existsSync(realDataRoot()) ? folders.flatMap(folderProblems) : [`real data folder ${realDataRoot()} not found`];
  return problems.length > 0 ? `${problems.join('; ')} (read from ${how}; set ${REAL_DATA_ENV} to the folder that holds it)` : undefined;
}

function folderProblems(folder: RealFolder): string[] {
  const dir = realDir(folder);
  if (!existsSync(dir)) return [`real data folder ${dir} not found`];
  const absent = REAL_FILES[folder].filter((f) => !existsSync(join(dir, f)));
  return absent.length > 0 ? [`real data folder ${dir} lacks ${absent.join(', ')}`] : [];
}

function underCi(): boolean {
  return /^(true|1)$/i.test(process.env.CI ?? '');
}

export interface RealDataCheck {
  /** True when the data is missing and the suites that read it are to be skipped. */
  readonly skip: boolean;
  readonly missing: string | undefined;
}

/**
 * For test files: whether the real data of these folders is there. Missing under CI, it throws (the
 * test file fails with the folder named); missing elsewhere, it prints which folder and `skip` is true.
 */
export function needRealData(...folders: RealFolder[]): RealDataCheck {
  const missing = missingRealData(...folders);
  if (missing && underCi()) throw new Error(`${missing}. CI=true: the suites that read real data do not skip.`);
  if (missing) console.warn(`skipping the suites that read real data: ${missing}`);
  return { skip: missing !== undefined, missing };
}

/** For benchmarks: fails with the folder named when the real data is missing. */
export function assertRealData(...folders: RealFolder[]): void {
  const missing = missingRealData(...folders);
  if (missing) throw new Error(missing);
}
