/** ingest-alarm: placeholder until the handler lands. */
export const handler = async (): Promise<never> => {
  throw new Error('ingest-alarm is not implemented yet');
};
