// The first checks of every JSON state file in a data dir (sign history, identity record): the
// caller's `bad` turns "empty" and "not JSON" into its own typed error naming the file and the fix.
import { errorMessage } from '../../primitives/index.ts';

/** The parsed JSON of a state file's text; throws `bad(why)` when it is empty or not JSON. */
export function parseStateJson(text: string, bad: (why: string) => Error): unknown {
  if (text.trim() === '') throw bad('the file is empty');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw bad(`not valid JSON (truncated?): ${errorMessage(e)}`);
  }
}
