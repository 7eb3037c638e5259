/**
 * Synthesizes the Prodloop stack the way `cdk synth` does (cdk.json context, cdk-nag registered)
 * for assertions. Synth bundles seven functions with esbuild, so a test file synthesizes once and
 * shares the result.
 */
import { readFileSync } from 'node:fs';
import { App, type Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { addNagChecks } from '../../lib/nag.ts';
import { ProdloopStack } from '../../lib/prodloop-stack.ts';

/** The context cdk.json gives the CLI: the example configuration and the feature flags. */
export const cdkJsonContext: Record<string, unknown> = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context;

/** CloudFormation JSON, read loosely in assertions: the assertions themselves check the shape. */
// biome-ignore lint/suspicious/noExplicitAny: template JSON has no static type; each test asserts what it reads
export type Cfn = any;

export interface Synthesized {
  readonly app: App;
  readonly stack: ProdloopStack;
  readonly template: Template;
}

/** Builds and synthesizes the app; `context` entries replace those of cdk.json. */
export function synthStack(context: Record<string, unknown> = {}): Synthesized {
  const app = new App({ context: { ...cdkJsonContext, ...context } });
  addNagChecks(app);
  const stack = new ProdloopStack(app, 'Prodloop');
  return { app, stack, template: Template.fromStack(stack) };
}

export interface NagFinding {
  readonly rule: string;
  readonly path: string;
  readonly severity: string;
}

export interface NagFindings {
  readonly errors: readonly NagFinding[];
  readonly warnings: readonly NagFinding[];
}

/**
 * The AwsSolutions findings nobody acknowledged. cdk-nag 3 reports through CDK's validation
 * framework rather than annotations, so this runs the rule pack over the synthesized tree directly.
 */
export function unacknowledgedNagFindings(app: App): NagFindings {
  return splitBySeverity(new AwsSolutionsChecks(app).validateScope(app).violations);
}

/**
 * Every AwsSolutions finding as if nothing were acknowledged: what the acknowledgements must
 * account for. (Overrides the pack's acknowledgement lookup, a private method.)
 */
export function allNagFindings(app: App): NagFinding[] {
  const pack = new AwsSolutionsChecks(app);
  Object.defineProperty(pack, 'isAcknowledged', { value: () => false });
  const { errors, warnings } = splitBySeverity(pack.validateScope(app).violations);
  return [...errors, ...warnings];
}

/** Errors and warnings CDK itself attached to the stack (deprecations, misconfigurations). */
export function cdkAnnotationProblems(stack: Stack): { errors: string[]; warnings: string[] } {
  const text = (messages: ReturnType<Annotations['findError']>) => messages.map((m) => `${m.id}: ${String(m.entry.data)}`);
  const annotations = Annotations.fromStack(stack);
  return {
    errors: text(annotations.findError('*', Match.anyValue())),
    warnings: text(annotations.findWarning('*', Match.anyValue())),
  };
}

export interface RecordedAcknowledgement {
  /** The construct the acknowledgement was made on. */
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Every acknowledgement recorded in the construct tree, with its reason. */
export function acknowledgementsIn(root: IConstruct): RecordedAcknowledgement[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

function splitBySeverity(violations: ReturnType<AwsSolutionsChecks['validateScope']>['violations']): NagFindings {
  const findings = violations.flatMap((v) =>
    v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '(unknown)', severity: v.severity ?? 'error' })),
  );
  return {
    errors: findings.filter((f) => f.severity === 'error' || f.severity === 'fatal'),
    warnings: findings.filter((f) => f.severity !== 'error' && f.severity !== 'fatal'),
  };
}
