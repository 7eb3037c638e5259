/**
 * cdk-nag wiring. cdk-nag 3 runs as a CDK validation plugin (`Validations.of(app).addPlugins`) and
 * findings are acknowledged with `Validations.of(construct).acknowledge`, one finding id at a time:
 * `AwsSolutions-IAM5[Resource::*]` acknowledges exactly that wildcard, nothing else on the resource.
 */

import type { CfnElement } from 'aws-cdk-lib';
import { type App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Registers the AwsSolutions rule pack on the app: unacknowledged errors fail synth. Acknowledged
 * findings and their reasons are written to each resource's `cdk_nag` metadata in the template,
 * so a reviewer sees them where the resource is.
 */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }));
}

/** Acknowledges one cdk-nag finding on a construct and everything below it, with the reason on record. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < 20) throw new Error(`the acknowledgement of ${id} needs a real reason, got "${reason}"`);
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * How cdk-nag spells a reference to a resource's attribute in a finding id, e.g.
 * `<TriageFunction1A2B3C4D.Arn>`, computed from the element so no logical id is written by hand.
 */
export function nagRef(element: CfnElement, attribute: string): string {
  return `<${Stack.of(element).resolve(element.logicalId)}.${attribute}>`;
}
