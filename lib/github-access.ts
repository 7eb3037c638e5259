/**
 * Access to the GitHub token. prodloop does not create the secret: before deploying, create a
 * Secrets Manager secret named like `githubTokenSecretName` (default `prodloop/github-token`) whose
 * value is the token, either the plain string or JSON with a `token` key:
 *
 *   aws secretsmanager create-secret --name prodloop/github-token --secret-string "$GITHUB_TOKEN"
 *
 * The token needs issues read/write on `githubRepository`. When the secret is encrypted with a
 * customer managed key, that key's policy must also let the functions' roles decrypt.
 */
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '#adapters/env';
import type { ProdloopFunction } from './function.ts';

export interface GithubAccessProps {
  /** Name of the existing secret holding the token. */
  readonly secretName: string;
}

export class GithubAccess extends Construct {
  readonly secret: ISecret;
  readonly secretName: string;

  constructor(scope: Construct, id: string, props: GithubAccessProps) {
    super(scope, id);
    this.secretName = props.secretName;
    // By name: the secret's ARN ends in a random suffix nobody knows at synth time, and the grant
    // matches it with "-??????".
    this.secret = Secret.fromSecretNameV2(this, 'Token', props.secretName);
  }

  /** Sets GITHUB_TOKEN_SECRET_ID (the secret's name, which GetSecretValue accepts) and allows reading it. */
  grantRead(fn: ProdloopFunction): void {
    fn.addEnvironment(ENV.githubTokenSecretId, this.secretName);
    this.secret.grantRead(fn);
  }
}
