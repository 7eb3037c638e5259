/**
 * The CDK app: one stack, Prodloop, checked against the cdk-nag AwsSolutions rules on every synth.
 * Environment-agnostic on purpose: nothing is looked up, so synth works without credentials.
 */
import { App } from 'aws-cdk-lib';
import { addNagChecks } from '../lib/nag.ts';
import { ProdloopStack } from '../lib/prodloop-stack.ts';

const app = new App();
addNagChecks(app);
new ProdloopStack(app, 'Prodloop');
app.synth();
