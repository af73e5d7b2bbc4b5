import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { SCHEMA_URL } from '../../src/config/schema.js';

const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as Record<string, unknown>;
type Json = Record<string, unknown>;

/** Every object schema in the document with its JSON Pointer. */
function objectSchemas(node: unknown, pointer = ''): Array<[string, Json]> {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return [];
  const out: Array<[string, Json]> = [];
  const obj = node as Json;
  if (obj['type'] === 'object') out.push([pointer, obj]);
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'examples' || key === 'default' || key === 'enum') continue;
    out.push(...objectSchemas(value, `${pointer}/${key}`));
  }
  return out;
}

describe('schemas/subscriptions.schema.json', () => {
  it('is draft 2020-12 with an $id, and compiles in ajv strict mode', () => {
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema['$id']).toMatch(/^https:\/\/.+subscriptions\.schema\.json$/);
    expect(() => new Ajv2020({ strict: true, allErrors: true }).compile(schema)).not.toThrow();
  });

  it('closes every object (additionalProperties: false) and documents every property with examples', () => {
    const objects = objectSchemas(schema);
    expect(objects.map(([p]) => p)).toEqual(['', '/$defs/subscription', '/$defs/eventFilter']);
    for (const [pointer, obj] of objects) {
      expect(obj['additionalProperties'], pointer).toBe(false);
      for (const [name, prop] of Object.entries(obj['properties'] as Record<string, Json>)) {
        expect(typeof prop['description'], `${pointer}/${name}`).toBe('string');
        expect(prop['examples'], `${pointer}/${name}`).toEqual(expect.any(Array));
        expect((prop['examples'] as unknown[]).length, `${pointer}/${name}`).toBeGreaterThan(0);
      }
    }
  });

  it('has examples that are themselves valid', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    ajv.addSchema(schema);
    const id = schema['$id'] as string;
    const check = (pointer: string, examples: unknown) => {
      const validate = ajv.getSchema(`${id}#${pointer}`)!;
      for (const example of examples as unknown[]) {
        expect(validate(example), `${pointer}: ${JSON.stringify(example)}`).toBe(true);
      }
    };
    check('', schema['examples']);
    for (const [pointer, obj] of objectSchemas(schema)) {
      check(pointer, obj['examples']);
      for (const [name, prop] of Object.entries(obj['properties'] as Record<string, Json>)) {
        check(`${pointer}/properties/${name}`, prop['examples']);
      }
    }
  });

  it('lists the entities and actions of docs/configuration.md', () => {
    const defs = schema['$defs'] as Record<string, Json>;
    const props = defs['eventFilter']!['properties'] as Record<string, Json>;
    expect(props['entity']!['enum']).toEqual([
      'client',
      'project',
      'project_group',
      'project_user',
      'tag',
      'task',
      'time_entry',
      'workspace',
      'workspace_user',
      '*',
    ]);
    expect(props['action']!['enum']).toEqual(['created', 'updated', 'deleted', '*']);
  });

  it('src/generated/schema-types.ts is what scripts/gen-types.mjs generates from it (run `npm run gen:types`)', async () => {
    const result = await promisify(execFile)(process.execPath, ['scripts/gen-types.mjs', '--check']).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    expect(result).toEqual({ code: 0, stderr: '' });
  });
});
