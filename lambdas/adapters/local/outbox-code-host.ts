/**
 * The code host of local runs: the pull requests a deploy ships are those the scenario says it ships
 * (with their bodies), and revert pull requests are written as Markdown to the outbox:
 *
 *   <dir>/pulls/<n>-revert-<deployId>.md   one file per proposed revert (a second proposal for the same deploy finds it)
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DeployContents, RevertResult, ShippedPullRequest } from '#domain/signals/code-changes';
import type { DeploySignal } from '#domain/signals/signals';
import { type Clock, systemClock } from '#ports/clock';
import type { CodeHost, RevertRequest } from '#ports/code-host';

export class OutboxCodeHost implements CodeHost {
  readonly #pullsDir: string;
  readonly #shipped = new Map<string, ShippedPullRequest[]>();

  constructor(
    dir: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.#pullsDir = join(resolve(dir), 'pulls');
  }

  /** What a deploy ships, as the scenario tells it; a deploy not told about ships its PR numbers with empty bodies. */
  ship(deployId: string, prs: readonly ShippedPullRequest[]): void {
    this.#shipped.set(deployId, [...prs]);
  }

  async resolveDeploy(deploy: DeploySignal): Promise<DeployContents> {
    const told = this.#shipped.get(deploy.deployId);
    const prs = told ?? deploy.prNumbers.map((number) => ({ number, title: `PR #${number}`, body: '' }));
    return { prs, commitMessages: [], files: deploy.changedPaths, resolvedBy: prs.length > 0 ? 'event' : 'none' };
  }

  async proposeRevert(request: RevertRequest): Promise<RevertResult> {
    const { deploy } = request;
    await mkdir(this.#pullsDir, { recursive: true });
    const branch = `prodloop/revert-${deploy.deployId.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
    const names = (await readdir(this.#pullsDir)).filter((n) => n.endsWith('.md'));
    for (const name of names) {
      const content = await readFile(join(this.#pullsDir, name), 'utf8');
      if (content.includes(`branch: ${branch}\n`)) {
        const number = Number(name.split('-', 1)[0]);
        return { proposed: true, number, url: `outbox://pulls/${number}`, branch, existing: true };
      }
    }
    const number = names.length + 1;
    const content = [
      '---',
      `number: ${number}`,
      `branch: ${branch}`,
      `deploy: ${JSON.stringify(deploy.deployId)}`,
      `proposed: ${this.clock.now().toISOString()}`,
      '---',
      '',
      `# ${request.title}`,
      '',
      request.body.trimEnd(),
      '',
    ].join('\n');
    await writeFile(join(this.#pullsDir, `${number}-revert-${encodeURIComponent(deploy.deployId)}.md`), content, { flag: 'wx' });
    return { proposed: true, number, url: `outbox://pulls/${number}`, branch, existing: false };
  }
}
