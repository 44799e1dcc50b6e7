import { RackError, type Diagnostic } from '../../src/errors.js';

/** The first diagnostic of the RackError `fn` throws; fails the test if it throws nothing. */
export function diagOf(fn: () => unknown): Diagnostic {
  try {
    fn();
  } catch (e) {
    if (e instanceof RackError) return e.diagnostics[0];
    throw e;
  }
  throw new Error('expected an error');
}

/** The RackError `p` rejects with; fails the test if it resolves or rejects with something else. */
export async function rackErrorOf(p: Promise<unknown> | unknown): Promise<RackError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RackError) return e;
    throw e;
  }
  throw new Error('expected a RackError');
}
