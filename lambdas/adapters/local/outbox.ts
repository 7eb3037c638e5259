/**
 * Outbox adapters: issues and pages written as Markdown files into a folder instead of GitHub and SNS.
 * Used in shadow mode and in local runs, so a human can read exactly what prodloop would have done.
 *
 *   <dir>/issues/<lineageId>.md                  one file per lineage (later generations: <lineageId>.gen-<n>.md),
 *                                                comments, close and update records appended
 *   <dir>/escalations/<timestamp>-<lineageId>.md one file per page
 */
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { EscalationMessage, IssueDraft } from '#domain/issue/messages';
import { lineageMarker, parseIssueMetadata } from '#domain/issue/metadata';
import type { IssueRef } from '#domain/lineage/lineage';
import { NotFoundError } from '#domain/shared/errors';
import { type Clock, systemClock } from '#ports/clock';
import type { IssueTracker } from '#ports/issues';
import type { Notifier } from '#ports/notifier';

interface StoredIssue {
  readonly file: string;
  readonly number: number;
  readonly kind: IssueRef['kind'];
  readonly content: string;
}

export class OutboxIssueTracker implements IssueTracker {
  readonly #issuesDir: string;

  constructor(
    dir: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.#issuesDir = join(resolve(dir), 'issues');
  }

  /** Files the issue, or returns the one already in the outbox for the lineage (and generation), found by its marker. */
  fileIssue(draft: IssueDraft): Promise<IssueRef> {
    return serialized(this.#issuesDir, async () => {
      const marker = lineageMarker(draft.lineageId);
      const body = draft.body.includes(marker) ? draft.body : `${draft.body}\n\n${marker}\n`;
      const generation = parseIssueMetadata(body)?.generation;
      const stored = await this.#readAll();
      const existing = stored.find((s) => {
        if (!s.content.includes(marker)) return false;
        const found = parseIssueMetadata(s.content)?.generation;
        return generation === undefined || found === undefined || found === generation;
      });
      if (existing) return ref(existing.number, existing.kind);

      const number = Math.max(0, ...stored.map((s) => s.number)) + 1;
      const name =
        generation !== undefined && generation > 1 ? `${safeName(draft.lineageId)}.gen-${generation}` : safeName(draft.lineageId);
      const header = [
        '---',
        `number: ${number}`,
        `lineage: ${JSON.stringify(draft.lineageId)}`,
        `kind: ${draft.kind}`,
        `filed: ${this.clock.now().toISOString()}`,
        `labels: ${JSON.stringify(draft.labels)}`,
        `assignees: ${JSON.stringify(draft.assignees)}`,
        '---',
        '',
        `# ${draft.title}`,
        '',
        body.trimEnd(),
        '',
      ].join('\n');
      await writeFile(join(this.#issuesDir, `${name}.md`), header, { flag: 'wx' });
      return ref(number, draft.kind);
    });
  }

  comment(issue: IssueRef, body: string): Promise<void> {
    return this.#append(issue, `## Comment, ${this.clock.now().toISOString()}\n\n${body.trimEnd()}`);
  }

  close(issue: IssueRef, comment: string): Promise<void> {
    const at = this.clock.now().toISOString();
    return this.#append(issue, `## Comment, ${at}\n\n${comment.trimEnd()}\n\n---\n\n## Closed as completed, ${at}`);
  }

  update(issue: IssueRef, change: { body?: string; labels?: readonly string[] }): Promise<void> {
    if (change.body === undefined && change.labels === undefined) return Promise.resolve();
    const lines = [`## Updated, ${this.clock.now().toISOString()}`];
    if (change.labels !== undefined) lines.push('', `labels: ${JSON.stringify(change.labels)}`);
    if (change.body !== undefined) lines.push('', change.body.trimEnd());
    return this.#append(issue, lines.join('\n'));
  }

  #append(issue: IssueRef, record: string): Promise<void> {
    return serialized(this.#issuesDir, async () => {
      const stored = (await this.#readAll()).find((s) => s.number === issue.number);
      if (!stored) throw new NotFoundError(`outbox issue #${issue.number} does not exist in ${this.#issuesDir}`);
      await appendFile(stored.file, `\n---\n\n${record}\n`);
    });
  }

  async #readAll(): Promise<StoredIssue[]> {
    await mkdir(this.#issuesDir, { recursive: true });
    const names = (await readdir(this.#issuesDir)).filter((n) => n.endsWith('.md'));
    const stored: StoredIssue[] = [];
    for (const name of names) {
      const file = join(this.#issuesDir, name);
      const content = await readFile(file, 'utf8');
      const front = /^---\n([\s\S]*?)\n---\n/.exec(content)?.[1] ?? '';
      const number = Number(/^number: (\d+)$/m.exec(front)?.[1]);
      if (!Number.isInteger(number) || number < 1) continue;
      const kind = /^kind: observation$/m.test(front) ? 'observation' : 'issue';
      stored.push({ file, number, kind, content });
    }
    return stored;
  }
}

export class OutboxNotifier implements Notifier {
  readonly #dir: string;

  constructor(
    dir: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.#dir = join(resolve(dir), 'escalations');
  }

  async escalate(message: EscalationMessage): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const at = this.clock.now().toISOString();
    const content = [
      `# ${message.subject}`,
      '',
      `- Lineage: ${message.lineageId}`,
      `- Reason: ${message.reason}`,
      `- At: ${at}`,
      '',
      message.text.trimEnd(),
      '',
    ].join('\n');
    const stem = `${at.replace(/[:.]/g, '-')}-${safeName(message.lineageId)}`;
    for (let n = 1; ; n++) {
      try {
        await writeFile(join(this.#dir, `${stem}${n > 1 ? `-${n}` : ''}.md`), content, { flag: 'wx' });
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }
}

function ref(number: number, kind: IssueRef['kind']): IssueRef {
  return { number, url: `outbox://issues/${number}`, kind, shadow: true };
}

/** A lineage id as a file name: no path separators or characters some file systems refuse. */
function safeName(lineageId: string): string {
  return encodeURIComponent(lineageId).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** One outbox writer at a time per folder within the process, so numbers and markers stay unique. */
const queues = new Map<string, Promise<unknown>>();

function serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.catch(() => undefined);
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}
