// Which committee member a test can make silent (or UNAVAILABLE) without costing the committee its
// quorum (docs/committee.md §6): the others still cover every sampled segment and hold 2/3 of the seats.
import assert from 'node:assert/strict';
import { memberSegments, seatCount, type Job } from '../../vm/index.ts';

/** The member of `j`'s committee with the fewest seats whose silence leaves a quorum (fails the test if none). */
export function spareMember(j: Job): Uint8Array {
  const ms = j.committee.map((m) => m.address).sort((a, b) => seatCount(j, a) - seatCount(j, b));
  const spare = ms.find((lazy) => {
    const rest = ms.filter((a) => a !== lazy);
    const covered = new Set(rest.flatMap((a) => memberSegments(j, a)));
    return j.segments.every((x) => covered.has(x)) && 3 * rest.reduce((n, a) => n + seatCount(j, a), 0) >= 2 * j.seats.length;
  });
  assert.ok(spare, 'precondition: a member the quorum can spare');
  return spare;
}
