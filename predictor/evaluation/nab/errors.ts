// A NAB input that cannot be scored: a malformed or inconsistent data, windows, profiles or results
// file. The message names the file (and the line or field) so the user can fix it.

export class NabInputError extends Error {
  override name = 'NabInputError';
}
