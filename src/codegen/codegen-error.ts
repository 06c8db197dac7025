/**
 * A problem `sluice codegen` reports to the terminal in one line (bad options, a server that cannot
 * be reached or refuses the credentials, a document that is not Sluice's), then exits with status 1.
 */
export class CodegenError extends Error {
  override readonly name = 'CodegenError';
}
