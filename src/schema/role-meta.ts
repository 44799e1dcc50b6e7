import { str } from './common.js';

const roleRef = {
  anyOf: [str, { type: 'object', properties: { role: str, name: str }, anyOf: [{ required: ['role'] }, { required: ['name'] }] }],
} as const;

/** meta/main.yml: rack reads dependencies; galaxy_info and the rest are documentation. */
export const roleMetaSchema = {
  type: ['object', 'null'],
  properties: {
    dependencies: { type: ['array', 'null'], items: roleRef },
    galaxy_info: { type: 'object' },
    allow_duplicates: { type: 'boolean' },
    collections: { type: 'array' },
    argument_specs: { type: 'object' },
  },
  additionalProperties: false,
} as const;

const option: Record<string, unknown> = {
  type: 'object',
  properties: {
    type: { enum: ['str', 'int', 'bool', 'list', 'dict', 'path', 'raw', 'float'] },
    required: { type: 'boolean' },
    default: {},
    choices: { type: 'array' },
    elements: { enum: ['str', 'int', 'bool', 'list', 'dict', 'path', 'raw', 'float'] },
    description: { anyOf: [str, { type: 'array', items: str }] },
    options: { type: 'object', additionalProperties: { $ref: '#/$defs/option' } },
    aliases: { type: 'array', items: str },
    version_added: {},
  },
  additionalProperties: false,
};

/** meta/argument_specs.yml, Ansible's shape: argument_specs.<entry point>.options. */
export const argumentSpecsSchema = {
  $defs: { option },
  type: 'object',
  properties: {
    argument_specs: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: {
          short_description: str,
          description: { anyOf: [str, { type: 'array', items: str }] },
          author: {},
          options: { type: ['object', 'null'], additionalProperties: { $ref: '#/$defs/option' } },
        },
        additionalProperties: false,
      },
    },
  },
  required: ['argument_specs'],
  additionalProperties: false,
} as const;
