/**
 * The commit an AWS-native deploy shipped, read from what AWS says about the deploy: a CodeDeploy
 * revision, the image or labels of an ECS task definition, the tags, parameters or outputs of a
 * CloudFormation stack. Pure: the adapter (lambdas/adapters/aws/deploy-versions.ts) fetches, this reads.
 */
import * as z from 'zod';

/** A git commit sha as prodloop accepts it anywhere (the rule of "Deploy Finished"). */
export const commitSha = z.string().regex(/^[0-9a-fA-F]{7,64}$/);

/** Container labels that carry the commit an image was built from, in order of preference. */
export const REVISION_LABELS = ['org.opencontainers.image.revision', 'org.label-schema.vcs-ref'] as const;

/** Default keys of a stack tag, parameter or output that carries the deployed commit (`stackCommitKeys`). */
export const DEFAULT_STACK_COMMIT_KEYS = ['prodloop:commit', 'CommitSha', 'GitSha', 'GitCommit'] as const;

export interface FoundCommit {
  readonly commitSha?: string;
  /** Where the commit was read, or why none was found. */
  readonly how: string;
}

const isCommit = (value: string | undefined): value is string => value !== undefined && commitSha.safeParse(value.trim()).success;

/**
 * The commit an image tag names: a hexadecimal sha of 7 to 40 characters, bare or as docker/metadata-action
 * writes it (`sha-0a1b2c3`). A tag of digits only is a build number or a date, not a commit.
 */
export function commitFromImage(image: string): string | undefined {
  const withoutDigest = image.split('@')[0] ?? '';
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon <= lastSlash) return undefined;
  const tag = withoutDigest.slice(colon + 1);
  const sha = /^(?:sha-)?([0-9a-fA-F]{7,40})$/.exec(tag)?.[1];
  return sha && /[a-fA-F]/.test(sha) ? sha.toLowerCase() : undefined;
}

/** A container of a task definition, as ECS describes it. */
export interface ContainerImage {
  readonly name?: string | undefined;
  readonly image?: string | undefined;
  readonly essential?: boolean | undefined;
  readonly dockerLabels?: Record<string, string> | undefined;
}

/**
 * The commit of a task definition: an OCI revision label first (the label-schema one after it), then
 * an image tag that is a sha; essential containers before sidecars.
 */
export function commitFromContainers(containers: readonly ContainerImage[], taskDefinition: string): FoundCommit {
  // ECS takes a container without `essential` as essential.
  const ordered = [...containers.filter((c) => c.essential !== false), ...containers.filter((c) => c.essential === false)];
  for (const label of REVISION_LABELS) {
    for (const c of ordered) {
      const value = c.dockerLabels?.[label];
      if (isCommit(value))
        return { commitSha: value.trim().toLowerCase(), how: `label ${label} of container ${c.name ?? '?'} in ${taskDefinition}` };
    }
  }
  for (const c of ordered) {
    const sha = c.image ? commitFromImage(c.image) : undefined;
    if (sha) return { commitSha: sha, how: `image tag of container ${c.name ?? '?'} in ${taskDefinition} (${c.image})` };
  }
  const images = containers.map((c) => c.image ?? '?').join(', ');
  return {
    how: `no commit in ${taskDefinition}: no container has an ${REVISION_LABELS[0]} label with a commit sha, and no image tag is one (${images})`,
  };
}

export interface KeyValue {
  readonly key?: string | undefined;
  readonly value?: string | undefined;
}

/** A stack as CloudFormation describes it, reduced to what can carry a commit. */
export interface StackDescription {
  readonly stackName: string;
  readonly tags: readonly KeyValue[];
  readonly parameters: readonly KeyValue[];
  readonly outputs: readonly KeyValue[];
}

/** The commit of a stack: the first key of `keys` (case-insensitive) found as a tag, a parameter or an output whose value is a sha. */
export function commitFromStack(stack: StackDescription, keys: readonly string[]): FoundCommit {
  const places = [
    ['tag', stack.tags],
    ['parameter', stack.parameters],
    ['output', stack.outputs],
  ] as const;
  for (const key of keys) {
    for (const [kind, entries] of places) {
      const found = entries.find((e) => e.key?.toLowerCase() === key.toLowerCase() && isCommit(e.value));
      if (found?.value) return { commitSha: found.value.trim().toLowerCase(), how: `${kind} ${found.key} of stack ${stack.stackName}` };
    }
  }
  return { how: `no commit on stack ${stack.stackName}: no tag, parameter or output ${keys.join(', ')} holds a commit sha` };
}

/** A CodeDeploy revision, as GetDeployment describes it. */
export interface CodeDeployRevision {
  readonly revisionType?: string | undefined;
  readonly gitHubLocation?: { readonly repository?: string | undefined; readonly commitId?: string | undefined } | undefined;
  readonly s3Location?: { readonly bucket?: string | undefined; readonly key?: string | undefined } | undefined;
  readonly appSpecContent?: { readonly content?: string | undefined } | undefined;
  readonly string?: { readonly content?: string | undefined } | undefined;
}

/** What a CodeDeploy revision says: a commit, or an ECS task definition to read it from, or why neither. */
export type RevisionCommit = FoundCommit & {
  /** An ECS blue/green deployment's task definition ARN, from its AppSpec. */
  readonly taskDefinition?: string;
};

const TASK_DEFINITION_ARN = /arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]+:\d+/;

/**
 * GitHub revisions name their commit. An S3 bundle names one only by a convention: a full 40-character
 * sha as a folder or as the file name (`builds/<sha>.zip`). An AppSpec (ECS blue/green) names a task
 * definition, whose image or labels may carry the commit.
 */
export function commitFromRevision(revision: CodeDeployRevision | undefined, what: string): RevisionCommit {
  if (!revision) return { how: `CodeDeploy describes no ${what}` };
  const type = revision.revisionType ?? 'unknown';
  const github = revision.gitHubLocation;
  if (github) {
    if (isCommit(github.commitId))
      return { commitSha: github.commitId.toLowerCase(), how: `${what}: GitHub commit of ${github.repository ?? 'a repository'}` };
    return { how: `${what}: a GitHub revision whose commit id "${github.commitId ?? ''}" is not a commit sha` };
  }
  const s3 = revision.s3Location;
  if (s3) {
    const key = s3.key ?? '';
    const sha = key
      .split('/')
      .map((part) => part.replace(/\.(zip|tar|tgz|tar\.gz)$/i, ''))
      .find((part) => /^[0-9a-f]{40}$/i.test(part));
    if (sha) return { commitSha: sha.toLowerCase(), how: `${what}: commit sha in the S3 key s3://${s3.bucket ?? '?'}/${key}` };
    return {
      how: `${what}: an S3 bundle (s3://${s3.bucket ?? '?'}/${key}) names no commit; put the 40-character sha in its key, or send "Deploy Finished"`,
    };
  }
  const content = revision.appSpecContent?.content ?? revision.string?.content;
  const taskDefinition = content ? TASK_DEFINITION_ARN.exec(content)?.[0] : undefined;
  if (taskDefinition) return { taskDefinition, how: `${what}: AppSpec naming ${taskDefinition}` };
  return { how: `${what}: a revision of type ${type} names no commit` };
}

/** Cluster and service of an ECS service ARN: `service/<cluster>/<service>`, or the old `service/<service>` (default cluster). */
export function ecsServiceRef(arn: string): { cluster?: string; service: string } | undefined {
  const resource = arn.split(':')[5];
  if (!resource?.startsWith('service/')) return undefined;
  const parts = resource.split('/');
  if (parts.length === 3 && parts[1] && parts[2]) return { cluster: parts[1], service: parts[2] };
  if (parts.length === 2 && parts[1]) return { service: parts[1] };
  return undefined;
}
