// Who gets a job's checkpoints (docs/da.md §2b), over real libp2p on 127.0.0.1: a solver's artifacts
// served under the access rule read from a real vm chain (TestChain), requests signed with real
// ed25519 account keys. Before the job is finalized only its committee and demanders are served;
// signatures made for another peer, job, chain or key are refused; once finalized the final
// checkpoint is anyone's and the others stay with the solver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkpointCount } from '../../ml-runtime/index.ts';
import { JobStatus, encode } from '../../vm/index.ts';
import { P2pError, type P2pHost } from '../p2p/index.ts';
import {
  JOB_CHUNK_PROTOCOL, JobsError, daAuthMessage, daChunkPayload, daGrant, encodeChunkRequest, fetchCheckpointState, seedCredentials, signDaAuth,
  type DaAuth, type DaJobFacts,
} from './index.ts';
import type { Acct } from '../../test/helpers/job-test-chain.ts';
import { hasEnded } from '../../test/helpers/job-flow.ts';
import { K, SPEC, T, terms } from '../../test/helpers/job-work.ts';
import { committeeOf, loopback, mkHost, provisionalJob } from '../../test/helpers/watch-work.ts';
import { publicKeyFromSeed, sha256, sign, utf8 } from '../../primitives/index.ts';

const isCode = (code: string, re?: RegExp) => (e: unknown) => e instanceof JobsError && e.code === code && (!re || re.test(e.message));
/** A raw request refused by the server with `code` on the wire. */
const remote = (code: string) => (e: unknown) => e instanceof P2pError && e.code === 'P2P_REMOTE_ERROR' && e.message.includes(`failed remotely: ${code}: `);

test('checkpoints go to the committee and demanders until the job is finalized, then the final one to anyone', { timeout: 120_000 }, async (t) => {
  const { c, id, art, solverHost } = await provisionalJob(t, {
    access: 'chain',
    // at the protocol floors: q = 16 draws (stake ≥ ceil(bounty / q)), the default 5 seats
    terms: { q: 16, solverStake: 5_000n, dispute: { ...terms().dispute, window: 6 } },
  });
  const last = checkpointCount(T, K) - 1;
  assert.ok(last >= 2);
  const member = committeeOf(c, c.job(id))[0]!;
  const outsider = c.other;
  assert.ok(!c.job(id).committee.some((m) => m.address.every((b, i) => b === outsider.address[i])), 'precondition: other is on no committee');
  const M = await mkHost(t); // the member's host
  const X = await mkHost(t); // an outsider's host
  const from = { peerId: solverHost.peerId, addrs: [loopback(solverHost)] };
  const creds = (who: Acct) => seedCredentials(who.seed, () => c.height);
  const fetchAs = (host: P2pHost, who: Acct | null, i: number) => fetchCheckpointState(host, from, {
    jobId: id, opening: art.openings([i])[0]!, spec: SPEC, ...(who ? { credentials: creds(who) } : {}),
  });
  const want = async (i: number) => art.checkpointBytes(i);

  await t.test('before it is finalized: an outsider, the submitter and an anonymous peer are refused DA_FORBIDDEN', async () => {
    assert.equal(c.job(id).status, JobStatus.Provisional);
    await assert.rejects(fetchAs(X, outsider, last), isCode('DA_FORBIDDEN', /may not have checkpoint/));
    await assert.rejects(fetchAs(X, c.submitter, last), isCode('DA_FORBIDDEN'));
    await assert.rejects(fetchAs(X, null, last), isCode('DA_FORBIDDEN', /anonymous/));
    await assert.rejects(fetchAs(X, outsider, 1), isCode('DA_FORBIDDEN'));
  });

  await t.test('a committee member is served every checkpoint', async () => {
    assert.deepEqual((await fetchAs(M, member, last)).bytes, await want(last));
    assert.deepEqual((await fetchAs(M, member, 1)).bytes, await want(1));
  });

  await t.test('a signature made for another peer, job, chain or key, expired or malformed, is DA_AUTH_INVALID', async () => {
    await X.dial(`${loopback(solverHost)}/p2p/${solverHost.peerId}`);
    const raw = (host: P2pHost, auth: DaAuth, jobId = id) => host.request(solverHost.peerId, JOB_CHUNK_PROTOCOL, encodeChunkRequest({ jobId, checkpointIndex: last, chunkIndex: 0, auth }));
    const own = await signDaAuth(creds(member), M.chainId, id, M.peerId);
    // the member's own signature from the member's host is good: the refusals below are the binding's
    assert.ok((await raw(M, own)).length > 0);
    // replayed by another peer
    await assert.rejects(raw(X, own), remote('DA_AUTH_INVALID'));
    // made for another job
    const otherJob = await signDaAuth(creds(member), M.chainId, sha256(utf8('another job')), M.peerId);
    await assert.rejects(raw(M, otherJob), remote('DA_AUTH_INVALID'));
    // made for another chain
    const notAfter = c.height + 10n;
    const otherChain: DaAuth = { publicKey: publicKeyFromSeed(member.seed), notAfter, signature: sign(member.seed, daAuthMessage('another-chain', id, M.peerId, notAfter)) };
    await assert.rejects(raw(M, otherChain), remote('DA_AUTH_INVALID'));
    // the member's key claimed, the outsider's key signing
    const forged: DaAuth = { publicKey: publicKeyFromSeed(member.seed), notAfter, signature: sign(outsider.seed, daAuthMessage(X.chainId, id, X.peerId, notAfter)) };
    await assert.rejects(raw(X, forged), remote('DA_AUTH_INVALID'));
    // expired, and valid for longer than a server accepts
    const at = (n: bigint): DaAuth => ({ publicKey: publicKeyFromSeed(member.seed), notAfter: n, signature: sign(member.seed, daAuthMessage(M.chainId, id, M.peerId, n)) });
    await assert.rejects(raw(M, at(c.height - 1n)), remote('DA_AUTH_INVALID'));
    await assert.rejects(raw(M, at(c.height + 5000n)), remote('DA_AUTH_INVALID'));
    assert.ok((await raw(M, at(c.height))).length > 0, 'valid through its notAfter height');
    // malformed: a 63-byte signature, a notAfter that is no u64
    const bad = (a: unknown) => M.request(solverHost.peerId, JOB_CHUNK_PROTOCOL, encode([id, last, 0, a as null]));
    await assert.rejects(bad([publicKeyFromSeed(member.seed), notAfter, new Uint8Array(63)]), remote('DA_AUTH_INVALID'));
    await assert.rejects(bad([publicKeyFromSeed(member.seed), 5, own.signature]), remote('DA_AUTH_INVALID'));
    // the client reports the refusal by its code
    const liar = { publicKey: publicKeyFromSeed(member.seed), sign: (m: Uint8Array) => sign(outsider.seed, m), height: () => c.height };
    await assert.rejects(fetchCheckpointState(X, from, { jobId: id, opening: art.openings([last])[0]!, spec: SPEC, credentials: liar }), isCode('DA_AUTH_INVALID', /does not verify/));
  });

  await t.test('a demander is served every checkpoint, even once the solver answered its demand', async () => {
    c.block([c.tx(outsider, { kind: 'da-demand', jobId: id, checkpoint: 1, chunk: 0 })]);
    assert.deepEqual((await fetchAs(X, outsider, 1)).bytes, await want(1));
    assert.deepEqual((await fetchAs(X, outsider, last)).bytes, await want(last));
    await assert.rejects(fetchAs(X, c.submitter, last), isCode('DA_FORBIDDEN'), 'another account gained nothing');
    c.block([c.tx(c.solver, await daChunkPayload(art, 1, 0))]);
    assert.ok(c.job(id).demands[0]!.answer.length > 0, 'the demand is answered on chain');
    assert.deepEqual((await fetchAs(X, outsider, 2)).bytes, await want(2));
  });

  await t.test('once finalized the final checkpoint is public; the others are served to nobody', async () => {
    c.until(id, hasEnded);
    assert.equal(c.job(id).status, JobStatus.Finalized);
    assert.deepEqual((await fetchAs(X, null, last)).bytes, await want(last));
    assert.deepEqual((await fetchAs(X, outsider, last)).bytes, await want(last));
    assert.deepEqual((await fetchAs(X, c.submitter, last)).bytes, await want(last));
    await assert.rejects(fetchAs(X, outsider, 1), isCode('DA_FORBIDDEN', /ended/));
    await assert.rejects(fetchAs(M, member, 1), isCode('DA_FORBIDDEN'));
  });
});

test('the access rule: committee, demanders and dispute parties while running, nothing but the final checkpoint of a finalized job, nothing of a job that ended otherwise', () => {
  const f: DaJobFacts = { height: 10n, phase: 'running', finalCheckpoint: 4, committee: ['pol1member'], demanders: ['pol1demander'], openDisputeParties: ['pol1challenger'] };
  assert.equal(daGrant(f, 1, 'pol1member'), 'committee');
  assert.equal(daGrant(f, 4, 'pol1challenger'), 'dispute');
  assert.equal(daGrant(f, 2, 'pol1demander'), 'demand');
  assert.equal(daGrant(f, 4, 'pol1else'), null);
  assert.equal(daGrant(f, 4, null), null);
  const fin: DaJobFacts = { ...f, phase: 'finalized' };
  assert.equal(daGrant(fin, 4, null), 'public');
  assert.equal(daGrant(fin, 3, 'pol1member'), null);
  assert.equal(daGrant(fin, 3, 'pol1challenger'), null);
  const ended: DaJobFacts = { ...f, phase: 'ended' };
  for (const who of ['pol1member', 'pol1challenger', 'pol1demander', null]) assert.equal(daGrant(ended, 4, who), null, `slashed/expired/diverged: nothing for ${who}`);
});
