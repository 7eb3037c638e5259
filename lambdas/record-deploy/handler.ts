/** record-deploy: placeholder until the handler lands. */
export const handler = async (): Promise<never> => {
  throw new Error('record-deploy is not implemented yet');
};
