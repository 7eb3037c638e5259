/**
 * DeployVersions on AWS: the commit a CodeDeploy, ECS or CloudFormation deploy shipped, and the one
 * before it, read with GetDeployment, DescribeServices and DescribeTaskDefinition, or DescribeStacks.
 *
 * A lookup that cannot succeed (access denied, the deployment or stack gone, no commit recorded, an
 * input AWS refuses) answers without a commit and says why: the deploy is still recorded and watched.
 * Throttling, 5xx and network failures (after the SDK's own retries) throw TransientError, so that
 * the event is delivered again.
 *
 * The three SDK clients are loaded on first use, not at import: most deploys name their own commit
 * and never need them, and loading them would add to every cold start.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { commitFromContainers, commitFromRevision, commitFromStack, ecsServiceRef, type FoundCommit } from '#domain/signals/deploy-version';
import type { DeploySignal } from '#domain/signals/signals';
import type { DeployVersion, DeployVersions } from '#ports/deploys';
import { settledAwsFailure } from './errors.ts';

/** The SDK modules, each imported once, on first use (the Lambda runtime provides them; they are not bundled). */
const sdk = {
  codeDeploy: /* @__PURE__ */ once(() => import('@aws-sdk/client-codedeploy')),
  ecs: /* @__PURE__ */ once(() => import('@aws-sdk/client-ecs')),
  cloudFormation: /* @__PURE__ */ once(() => import('@aws-sdk/client-cloudformation')),
};

export interface AwsDeployVersionsOptions {
  /** Each client, when not given, is created with the default configuration on first use. */
  readonly codeDeploy?: Pick<CodeDeployClient, 'send'>;
  readonly ecs?: Pick<ECSClient, 'send'>;
  readonly cloudFormation?: Pick<CloudFormationClient, 'send'>;
  /** Stack tag, parameter or output keys that carry the deployed commit, in order of preference. */
  readonly stackCommitKeys: readonly string[];
  /** The region the clients call; a deploy event from another region is not looked up. */
  readonly region?: string;
}

/** A lookup that cannot succeed, and why. */
class LookupFailed {
  constructor(readonly why: string) {}
}

export class AwsDeployVersions implements DeployVersions {
  readonly #options: AwsDeployVersionsOptions;
  readonly #codeDeploy: () => Promise<Pick<CodeDeployClient, 'send'>>;
  readonly #ecs: () => Promise<Pick<ECSClient, 'send'>>;
  readonly #cloudFormation: () => Promise<Pick<CloudFormationClient, 'send'>>;

  constructor(options: AwsDeployVersionsOptions) {
    this.#options = options;
    const { codeDeploy, ecs, cloudFormation } = options;
    this.#codeDeploy = once(async () => codeDeploy ?? new (await sdk.codeDeploy()).CodeDeployClient({}));
    this.#ecs = once(async () => ecs ?? new (await sdk.ecs()).ECSClient({}));
    this.#cloudFormation = once(async () => cloudFormation ?? new (await sdk.cloudFormation()).CloudFormationClient({}));
  }

  async versionOf(deploy: DeploySignal): Promise<DeployVersion> {
    const { region } = this.#options;
    if (deploy.region && region && deploy.region !== region) {
      return { how: `the deploy ran in ${deploy.region}; prodloop looks deploys up in ${region} only` };
    }
    switch (deploy.source) {
      case 'codedeploy':
        return this.#codeDeployVersion(deploy.deployId);
      case 'ecs':
        return this.#ecsVersion(deploy);
      case 'cloudformation':
        return this.#cloudFormationVersion(deploy);
      default:
        return { how: `a ${deploy.source} deploy names its own commit` };
    }
  }

  /** GetDeployment: the revision deployed and the one deployed before it. */
  async #codeDeployVersion(deploymentId: string): Promise<DeployVersion> {
    const out = await ask(`reading CodeDeploy deployment ${deploymentId}`, async () => {
      const { GetDeploymentCommand } = await sdk.codeDeploy();
      return (await this.#codeDeploy()).send(new GetDeploymentCommand({ deploymentId }));
    });
    if (out instanceof LookupFailed) return { how: out.why };
    const info = out.deploymentInfo;
    if (!info) return { how: `CodeDeploy describes no deployment ${deploymentId}` };
    const current = await this.#revisionCommit(commitFromRevision(info.revision, `CodeDeploy revision of ${deploymentId}`));
    if (!current.commitSha) return { how: current.how };
    if (!info.previousRevision) return { commitSha: current.commitSha, how: `${current.how}; CodeDeploy names no previous revision` };
    const previous = await this.#revisionCommit(commitFromRevision(info.previousRevision, 'previous revision'));
    return withPrevious(current, previous);
  }

  /** An ECS blue/green revision names a task definition: its commit is in the task definition's image or labels. */
  async #revisionCommit(found: ReturnType<typeof commitFromRevision>): Promise<FoundCommit> {
    if (found.commitSha || !found.taskDefinition) return found;
    const fromTask = await this.#taskDefinitionCommit(found.taskDefinition);
    return { ...fromTask, how: `${found.how}: ${fromTask.how}` };
  }

  /**
   * DescribeServices: the deployment with the event's id and its task definition; the previous commit
   * from the other deployment still ACTIVE (rolling out or draining) when there is one.
   */
  async #ecsVersion(deploy: DeploySignal): Promise<DeployVersion> {
    const arn = deploy.resourceArn;
    const ref = arn ? ecsServiceRef(arn) : undefined;
    if (!arn || !ref) return { how: 'the ECS event names no service ARN to look the deployment up' };
    const where = `ECS service ${ref.service}${ref.cluster ? ` of cluster ${ref.cluster}` : ''}`;
    const out = await ask(`describing ${where}`, async () => {
      const { DescribeServicesCommand } = await sdk.ecs();
      return (await this.#ecs()).send(new DescribeServicesCommand({ ...(ref.cluster ? { cluster: ref.cluster } : {}), services: [arn] }));
    });
    if (out instanceof LookupFailed) return { how: out.why };
    const service = out.services?.find((s) => s.serviceArn === arn) ?? out.services?.[0];
    if (!service) {
      const reasons = (out.failures ?? []).map((f) => f.reason ?? 'unknown').join(', ');
      return { how: `ECS does not know ${where}${reasons ? ` (${reasons})` : ''}` };
    }
    const deployments = service.deployments ?? [];
    const deployment = deployments.find((d) => d.id === deploy.deployId);
    if (!deployment?.taskDefinition) {
      return { how: `ECS no longer lists deployment ${deploy.deployId} of ${where}: a newer deployment has replaced it` };
    }
    const current = await this.#taskDefinitionCommit(deployment.taskDefinition);
    if (!current.commitSha) return { how: current.how };
    const other = deployments.find((d) => d.id !== deploy.deployId && d.status === 'ACTIVE' && d.taskDefinition);
    if (!other?.taskDefinition)
      return { commitSha: current.commitSha, how: `${current.how}; no earlier deployment of ${where} is still active` };
    return withPrevious(current, await this.#taskDefinitionCommit(other.taskDefinition));
  }

  async #taskDefinitionCommit(taskDefinition: string): Promise<FoundCommit> {
    const name = taskDefinition.split('/').at(-1) ?? taskDefinition;
    const out = await ask(`describing task definition ${name}`, async () => {
      const { DescribeTaskDefinitionCommand } = await sdk.ecs();
      return (await this.#ecs()).send(new DescribeTaskDefinitionCommand({ taskDefinition }));
    });
    if (out instanceof LookupFailed) return { how: out.why };
    return commitFromContainers(out.taskDefinition?.containerDefinitions ?? [], `task definition ${name}`);
  }

  /** DescribeStacks: a tag, parameter or output of the stack names the commit; the previous one comes from the store. */
  async #cloudFormationVersion(deploy: DeploySignal): Promise<DeployVersion> {
    const stackId = deploy.resourceArn;
    if (!stackId) return { how: 'the CloudFormation event names no stack id to look the stack up' };
    const out = await ask(`describing stack ${deploy.service}`, async () => {
      const { DescribeStacksCommand } = await sdk.cloudFormation();
      return (await this.#cloudFormation()).send(new DescribeStacksCommand({ StackName: stackId }));
    });
    if (out instanceof LookupFailed) return { how: out.why };
    const stack = out.Stacks?.[0];
    if (!stack) return { how: `CloudFormation describes no stack ${deploy.service}` };
    const changed = stack.LastUpdatedTime ?? stack.CreationTime;
    // The stack as it is now: an operation started after this deploy ended may carry another commit.
    if (changed && Math.floor(changed.getTime() / 1000) * 1000 > Date.parse(deploy.at)) {
      return {
        how: `stack ${deploy.service} changed again at ${changed.toISOString()}, after this deploy: its commit is no longer readable`,
      };
    }
    const pairs = <T>(items: readonly T[] | undefined, key: (t: T) => string | undefined, value: (t: T) => string | undefined) =>
      (items ?? []).map((t) => ({ key: key(t), value: value(t) }));
    return commitFromStack(
      {
        stackName: stack.StackName ?? deploy.service,
        tags: pairs(
          stack.Tags,
          (t) => t.Key,
          (t) => t.Value,
        ),
        // An SSM parameter type shows its resolved value.
        parameters: pairs(
          stack.Parameters,
          (p) => p.ParameterKey,
          (p) => p.ResolvedValue ?? p.ParameterValue,
        ),
        outputs: pairs(
          stack.Outputs,
          (o) => o.OutputKey,
          (o) => o.OutputValue,
        ),
      },
      this.#options.stackCommitKeys,
    );
  }
}

/** Runs `load` on the first call only and hands every caller its promise; a failed load is tried again on the next call. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
}

function withPrevious(current: FoundCommit, previous: FoundCommit): DeployVersion {
  return {
    ...(current.commitSha ? { commitSha: current.commitSha } : {}),
    ...(previous.commitSha ? { previousSha: previous.commitSha } : {}),
    how: `${current.how}; before it: ${previous.how}`,
  };
}

/** Runs one AWS call: its answer, a LookupFailed that says why it cannot succeed, or a TransientError. */
async function ask<T>(what: string, call: () => Promise<T>): Promise<T | LookupFailed> {
  try {
    return await call();
  } catch (error) {
    const { kind, detail } = settledAwsFailure(what, error);
    return new LookupFailed(`${kind === 'denied' ? 'access denied' : kind === 'not-found' ? 'not found' : 'refused'} ${what} (${detail})`);
  }
}
