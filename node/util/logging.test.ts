import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, parseLogLevels, resolveLogFormat, logHex } from './logging.ts';

function capture(): { lines: Array<Record<string, unknown>>; raw: string[]; destination: Writable } {
  const raw: string[] = [];
  const destination = new Writable({ write(chunk, _enc, done) { raw.push(String(chunk)); done(); } });
  return { raw, get lines() { return raw.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>); }, destination };
}

test('parseLogLevels: a bare level, module overrides, and errors that name the part at fault', () => {
  assert.deepEqual(parseLogLevels('debug'), { level: 'debug', modules: {} });
  assert.deepEqual(parseLogLevels('info,p2p=debug'), { level: 'info', modules: { p2p: 'debug' } });
  assert.deepEqual(parseLogLevels('p2p=trace, rpc=silent'), { level: 'info', modules: { p2p: 'trace', rpc: 'silent' } });
  const fails = (spec: string, part: RegExp) => assert.throws(() => parseLogLevels(spec), (e: any) => e.code === 'LOG_LEVEL_INVALID' && part.test(e.message));
  fails('loud', /"loud" is not a level/);
  fails('info,p2p=loud', /"loud" in "p2p=loud" is not a level/);
  fails('info,P2P=debug', /"P2P" in "P2P=debug" is not a module name/);
  fails('info,,p2p=debug', /an empty part/);
  fails('info,warn', /two default levels/);
  fails('p2p=debug,p2p=info', /module "p2p" is given twice/);
});

test('per-module levels: a module child (and its own children) gets its level; other modules keep the default', () => {
  const out = capture();
  const log = createLogger('info,p2p=debug', 'polchain', { format: 'json', destination: out.destination });
  const p2p = log.child({ module: 'p2p' });
  p2p.debug('p2p detail');
  p2p.child({ peer: 'x' }).debug('p2p peer detail');
  log.child({ module: 'consensus' }).debug('consensus detail');
  log.debug('root detail');
  log.child({ module: 'consensus' }).info('consensus info');
  assert.deepEqual(out.lines.map((l) => [l.module, l.level, l.msg]), [
    ['p2p', 20, 'p2p detail'], ['p2p', 20, 'p2p peer detail'], ['consensus', 30, 'consensus info'],
  ]);
  // the other way round: a quiet module under a verbose default
  const out2 = capture();
  const log2 = createLogger('debug,rpc=warn', 'polchain', { format: 'json', destination: out2.destination });
  log2.child({ module: 'rpc' }).info('rpc info');
  log2.child({ module: 'p2p' }).debug('p2p detail');
  assert.deepEqual(out2.lines.map((l) => l.msg), ['p2p detail']);
});

test('pretty format writes one readable line per record, not JSON', async () => {
  const out = capture();
  createLogger('info', 'polchain', { format: 'pretty', destination: out.destination, colorize: false }).child({ module: 'rpc' }).info({ url: 'http://127.0.0.1:1/' }, 'rpc server listening');
  await new Promise((r) => setImmediate(r));
  const text = out.raw.join('');
  assert.match(text, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: rpc: rpc server listening {1,2}.*url.*http:\/\/127\.0\.0\.1:1\//);
  assert.throws(() => JSON.parse(text));
  assert.doesNotMatch(text, /\x1b\[/);
});

test('resolveLogFormat: flag, then POLCHAIN_LOG_FORMAT, then the terminal decides; a bad value is a typed error', () => {
  assert.equal(resolveLogFormat(undefined, {}, true), 'pretty');
  assert.equal(resolveLogFormat(undefined, {}, false), 'json');
  assert.equal(resolveLogFormat(undefined, { POLCHAIN_LOG_FORMAT: 'json' }, true), 'json');
  assert.equal(resolveLogFormat('pretty', { POLCHAIN_LOG_FORMAT: 'json' }, false), 'pretty');
  assert.throws(() => resolveLogFormat('xml', {}, false), (e: any) => e.code === 'USAGE' && /--log-format: expected pretty or json, got "xml"/.test(e.message));
  assert.throws(() => resolveLogFormat(undefined, { POLCHAIN_LOG_FORMAT: 'xml' }, false), (e: any) => e.code === 'CONFIG_INVALID' && /POLCHAIN_LOG_FORMAT/.test(e.message));
});

test('logHex writes every byte, 0x-prefixed', () => {
  assert.equal(logHex(new Uint8Array(32).fill(0xab)), '0x' + 'ab'.repeat(32));
});
