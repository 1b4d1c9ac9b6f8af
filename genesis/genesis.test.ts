import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '../vm/index.ts';
import { devAccount, devGenesis, genesisHash, genesisState, genesisToJson, loadGenesisFile, parseGenesis, GenesisError } from './index.ts';

const v = devAccount(9);
const base = () => genesisToJson(devGenesis({ validators: [{ address: v.address, consensusKey: v.publicKey }], genesisTimeMs: 1_700_000_000_000n, devAccounts: 3 })) as any;

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
