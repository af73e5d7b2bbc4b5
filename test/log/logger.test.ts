import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { clearRegisteredSecrets, registerSecret } from '../../src/util/redact.js';

afterEach(() => clearRegisteredSecrets());

function capture(json: boolean) {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  const logger = createLogger({ json, stream, level: 'debug' });
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
      registerSecret('tok-98765-registered');
      const { logger, text } = capture(json);
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
      expect(out).toContain('hooks.example.com');
    },
  );

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
});
