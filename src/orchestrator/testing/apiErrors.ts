import { ApiError } from '../api/errors.js';

/** For tests: the code and message of the ApiError `p` rejects with; throws when it resolves or fails otherwise. */
export async function refusal(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('accepted');
}
