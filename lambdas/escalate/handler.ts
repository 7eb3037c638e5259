/** escalate: placeholder until the handler lands. */
export const handler = async (): Promise<never> => {
  throw new Error('escalate is not implemented yet');
};
