/** validate: placeholder until the handler lands. */
export const handler = async (): Promise<never> => {
  throw new Error('validate is not implemented yet');
};
