import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { devGenesis, genesisHash, genesisState, genesisToJson, loadGenesisFile, parseGenesis, GenesisError } from './index.ts';

import { val as v } from '../test/helpers/chain-fixtures.ts';
import { bytesToHex } from '../primitives/index.ts';

const base = () => genesisToJson(devGenesis({ validators: [{ address: v.address, consensusKey: v.publicKey, blsKey: v.blsKey }], genesisTimeMs: 1_700_000_000_000n, devAccounts: 3 })) as any;

test('round trip and a hash that ignores formatting but not values', () => {
  const j = base();
  const g = parseGenesis(j);
  assert.deepEqual(genesisToJson(g), j);
  const h = bytesToHex(genesisHash(g));
  assert.equal(bytesToHex(genesisHash(parseGenesis(JSON.parse(JSON.stringify(j, null, 7))))), h);
  const j2 = base();
  j2.accounts[0].balance = '1';
  assert.notEqual(bytesToHex(genesisHash(parseGenesis(j2))), h);
  assert.equal(genesisState(g).validatorList().length, 1);
});

test('validators carry their BLS key: JSON field, state, and genesis hash', () => {
  const j = base();
  assert.match(j.validators[0].blsKey, /^0x[0-9a-f]{96}$/);
  assert.equal(j.validators[0].blsKey, '0x' + bytesToHex(v.blsKey));
  assert.equal(j.params.slashFractionBps, 500);
  const g = parseGenesis(j);
  assert.equal(bytesToHex(g.validators[0]!.blsKey), bytesToHex(v.blsKey));
  assert.equal(bytesToHex(genesisState(g).getValidator(v.address)!.blsKey), bytesToHex(v.blsKey));
  const h = bytesToHex(genesisHash(g));
  const j2 = base();
  j2.validators[0].blsKey = '0x' + 'ab'.repeat(48);
  assert.notEqual(bytesToHex(genesisHash(parseGenesis(j2))), h, 'the BLS key is part of the genesis hash');
  const j3 = base();
  j3.params.slashFractionBps = 100;
  assert.notEqual(bytesToHex(genesisHash(parseGenesis(j3))), h, 'slashFractionBps is part of the genesis hash');
});

test('each bad field is rejected with its path', () => {
  const cases: Array<[string, (j: any) => void, RegExp]> = [
    ['chain id', (j) => { j.chainId = 'Bad Chain'; }, /chainId/],
    ['time', (j) => { j.genesisTime = 'yesterday'; }, /genesisTime/],
    ['balance float', (j) => { j.accounts[1].balance = 1.5; }, /accounts\[1\]\.balance/],
    ['balance leading zero', (j) => { j.accounts[0].balance = '007'; }, /accounts\[0\]\.balance/],
    ['balance too big', (j) => { j.accounts[0].balance = (1n << 64n).toString(); }, /exceeds 2\^64-1/],
    ['bad checksum', (j) => { j.accounts[2].address = j.accounts[2].address.slice(0, -1) + (j.accounts[2].address.endsWith('q') ? 'p' : 'q'); }, /accounts\[2\]\.address/],
    ['unknown field', (j) => { j.extra = 1; }, /extra.*unknown field/],
    ['missing field', (j) => { delete j.params.minFee; }, /params\.minFee: missing/],
    ['no validators', (j) => { j.validators = []; }, /validators/],
    ['bad key', (j) => { j.validators[0].consensusKey = '0x1234'; }, /validators\[0\]\.consensusKey/],
    ['bls key too short', (j) => { j.validators[0].blsKey = j.validators[0].blsKey.slice(0, -2); }, /validators\[0\]\.blsKey.*96 lowercase hex/],
    ['bls key uppercase', (j) => { j.validators[0].blsKey = j.validators[0].blsKey.toUpperCase().replace('0X', '0x'); }, /validators\[0\]\.blsKey/],
    ['bls key missing', (j) => { delete j.validators[0].blsKey; }, /validators\[0\]\.blsKey: missing/],
    ['slash fraction > 100%', (j) => { j.params.slashFractionBps = 10_001; }, /params\.slashFractionBps/],
    ['slash fraction float', (j) => { j.params.slashFractionBps = 2.5; }, /params\.slashFractionBps/],
    ['block bytes', (j) => { j.params.maxBlockBytes = 2000; j.params.maxTxBytes = 4000; }, /maxBlockBytes/],
  ];
  for (const [name, mutate, re] of cases) {
    const j = base();
    mutate(j);
    assert.throws(() => parseGenesis(j), (e: unknown) => e instanceof GenesisError && e.code === 'GENESIS_INVALID' && re.test(e.message), name);
  }
  const dup = base();
  dup.accounts.push(dup.accounts[0]);
  assert.throws(() => genesisState(parseGenesis(dup)), /listed twice/);
  const lowStake = base();
  lowStake.validators[0].stake = '1';
  assert.throws(() => genesisState(parseGenesis(lowStake)), /below the minimum/);
  const rich = base();
  rich.accounts[0].balance = ((1n << 64n) - 1n).toString();
  assert.throws(() => genesisState(parseGenesis(rich)), /total supply/);
});

test('files: unreadable, not JSON, and valid', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'polchain-gen-'));
  await assert.rejects(loadGenesisFile(join(dir, 'missing.json')), (e: any) => e.code === 'GENESIS_UNREADABLE');
  await writeFile(join(dir, 'bad.json'), '{ not json');
  await assert.rejects(loadGenesisFile(join(dir, 'bad.json')), (e: any) => e.code === 'GENESIS_NOT_JSON' && /bad\.json/.test(e.message));
  await writeFile(join(dir, 'ok.json'), JSON.stringify(base()));
  assert.equal((await loadGenesisFile(join(dir, 'ok.json'))).chainId, 'polchain-dev');
});
