/** `prodloop status`: lineages, budgets and quarantine locks; why a halted loop stopped and the command that resumes it. */

import { parseArgs } from 'node:util';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbLineageStore } from '#adapters/dynamodb/store';
import type { AuditEvent } from '#domain/lineage/lineage';
import type { Command } from '../command.ts';
import { renderStatus } from '../local/render.ts';
import { configuredIterationCap, LOCAL_TABLE_PREFIX, openTables, tableOptions } from '../local-state.ts';

/** Audit actions that stop a loop; the newest says since when a halted loop waits. */
const HALT_ACTIONS = ['loop-halted', 'waiting-for-human', 'halt-requested'];

export const command: Command = {
  name: 'status',
  order: 3,
  usage: 'status [--table NAME] [--endpoint URL] [--region REGION] [--lineage ID]',
  summary: 'lineages, budgets and quarantine locks (default: the last local run)',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { ...tableOptions, lineage: { type: 'string' } }, strict: true });
    const { client, close } = await openTables(values);
    try {
      const tables = values.table
        ? [values.table]
        : ((await client.send(new ListTablesCommand({}))).TableNames ?? []).filter((t) => t.startsWith(LOCAL_TABLE_PREFIX));
      if (tables.length === 0)
        io.out('No prodloop tables found. Run `npx prodloop local` first, or pass --table NAME for a deployed stack.');
      for (const table of tables) {
        const store = new DynamoDbLineageStore({ client, tableName: table });
        const lineages = (await store.listLineages()).filter((l) => !values.lineage || l.lineageId === values.lineage);
        const locks = await store.listLocks();
        // Each trail read once: every one shown with --lineage, and a halted lineage's for when and why it stopped.
        const read = lineages.filter((l) => values.lineage || l.status === 'halted');
        const trails = new Map(await Promise.all(read.map(async (l) => [l.lineageId, await store.auditTrail(l.lineageId)] as const)));
        const haltEvents = new Map<string, AuditEvent>();
        for (const l of lineages.filter((x) => x.status === 'halted')) {
          const halt = trails.get(l.lineageId)?.findLast((e) => HALT_ACTIONS.includes(e.action));
          if (halt) haltEvents.set(l.lineageId, halt);
        }
        const local = !values.table && !values.endpoint && table.startsWith(LOCAL_TABLE_PREFIX);
        const tableArgs = local
          ? `--scenario ${table.slice(LOCAL_TABLE_PREFIX.length)}`
          : values.endpoint
            ? `--endpoint ${values.endpoint} --table ${table}`
            : `--table ${table}${values.region ? ` --region ${values.region}` : ''}`;
        io.out(
          renderStatus(table, lineages, locks, values.lineage ? [...trails.values()].flat() : [], {
            tableArgs,
            iterationCap: configuredIterationCap(),
            haltEvents,
          }),
        );
      }
    } finally {
      await close();
    }
    return 0;
  },
};
