import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { RunSecrets } from '../../src/sensitive/run-secrets.js';

function capture(json: boolean, secrets = new RunSecrets()) {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  const logger = createLogger({ json, stream, level: 'debug', secrets });
  return {
    logger,
    text: async () => {
      await new Promise((r) => setImmediate(r));
      return out;
    },
  };
}

describe('createLogger', () => {
  it.each([true, false])(
    'never writes a token, secret, Authorization value or URL query value (json=%s)',
    async (json) => {
      const { logger, text } = capture(json, new RunSecrets().addToken('tok-98765-registered'));
      logger.info(
        {
          token: 'tok-plain-field',
          secret: 'sec-plain-field',
          headers: { authorization: 'Basic dG9rOmFwaV90b2tlbg==' },
          url: 'https://hooks.example.com/x?token=qv-1234',
          nested: { secret: 'sec-nested' },
        },
        'calling with tok-98765-registered and Basic dG9rOmFwaV90b2tlbg==',
      );
      const out = await text();
      for (const s of [
        'tok-plain-field',
        'sec-plain-field',
        'dG9rOmFwaV90b2tlbg==',
        'qv-1234',
        'sec-nested',
        'tok-98765-registered',
      ]) {
        expect(out).not.toContain(s);
      }
    },
  );

  it('withholds an untrusted field holding a short secret; our own words stay readable', async () => {
    const { logger, text } = capture(true, new RunSecrets().addValues(['in']));
    logger.error({ workspace_id: 5, error: 'bad value "in" in body' }, 'failed in workspace 5');
    const line = JSON.parse((await text()).trim()) as Record<string, unknown>;
    expect(line['msg']).toBe('failed in workspace 5');
    expect(line['error']).toBe('(message withheld: it contained a sensitive value)');
  });

  it('learns secrets during the run: a value added after the logger was made is masked', async () => {
    const secrets = new RunSecrets();
    const { logger, text } = capture(true, secrets);
    secrets.addValues(['learned-later-0123456789']);
    logger.warn({ error: 'echo learned-later-0123456789' }, 'x');
    expect(await text()).not.toContain('learned-later-0123456789');
  });

  it('writes JSON lines with level names in json mode', async () => {
    const { logger, text } = capture(true);
    logger.warn({ workspace_id: 5 }, 'hello');
    const line = JSON.parse((await text()).trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'warn', msg: 'hello', workspace_id: 5 });
  });

  it('writes one readable line per event in text mode', async () => {
    const { logger, text } = capture(false);
    logger.error({ workspace_id: 5 }, 'failed');
    expect((await text()).trim()).toBe('error: failed (workspace_id=5)');
  });

  it('keeps JSON lines valid JSON when a URL sits next to an escaped quote', async () => {
    const { logger, text } = capture(true);
    logger.warn('URL endpoint "https://hooks.example.com/t?token=qv-777" responded with status 500');
    const line = JSON.parse((await text()).trim()) as { msg: string };
    expect(line.msg).toBe('URL endpoint "(sensitive)" responded with status 500');
  });

  it('masks sensitive keys at any depth and secrets put in by interpolation', async () => {
    const { logger, text } = capture(true, new RunSecrets().addValues(['interp-secret-4321']));
    logger.info({ a: { b: { c: { secret: 'deep-secret-1', Authorization: 'x', api_token: 'y' } } } }, 'deep');
    logger.info('value %s and %o', 'interp-secret-4321', { note: 'interp-secret-4321' });
    const out = await text();
    expect(out).not.toContain('deep-secret-1');
    expect(out).not.toContain('interp-secret-4321');
    const first = JSON.parse(out.split('\n')[0] ?? '') as { a: { b: { c: Record<string, string> } } };
    expect(first.a.b.c).toEqual({
      secret: '(sensitive)',
      Authorization: '(sensitive)',
      api_token: '(sensitive)',
    });
  });

  it('logs an error by its message only (got errors carry request headers)', async () => {
    const { logger, text } = capture(true);
    const err = Object.assign(new Error('read ECONNRESET'), {
      options: { headers: { authorization: 'Basic c2VjcmV0LXRva2VuOmFwaV90b2tlbg==' } },
    });
    logger.error({ err }, 'request failed');
    const out = await text();
    expect(out).not.toContain('c2VjcmV0LXRva2VuOmFwaV90b2tlbg==');
    expect(JSON.parse(out.trim())).toMatchObject({ err: 'read ECONNRESET' });
  });

  it('writes text mode as one line without terminal control sequences from the wire', async () => {
    const { logger, text } = capture(false);
    logger.warn({ api: 'bad\u001b[31mred\nnext' }, 'line1\nline2');
    const out = await text();
    expect(out.split('\n').filter(Boolean)).toHaveLength(1);
    expect(out).not.toContain('\u001b');
    expect(out.trim()).toBe('warn: line1\\nline2 (api=bad\\x1b[31mred\\nnext)');
  });

  it('honours the level', async () => {
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    const logger = createLogger({ json: true, stream, level: 'warn' });
    logger.info('quiet');
    logger.warn('loud');
    await new Promise((r) => setImmediate(r));
    expect(out).not.toContain('quiet');
    expect(out).toContain('loud');
  });
});
