/** lineage: placeholder until the handler lands. */
export const handler = async (): Promise<never> => {
  throw new Error('lineage is not implemented yet');
};
