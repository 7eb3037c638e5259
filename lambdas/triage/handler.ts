/** triage: placeholder until the handler lands. */
export const handler = async (): Promise<never> => {
  throw new Error('triage is not implemented yet');
};
