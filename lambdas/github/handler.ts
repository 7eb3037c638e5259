/** github: placeholder until the handler lands. */
export const handler = async (): Promise<never> => {
  throw new Error('github is not implemented yet');
};
