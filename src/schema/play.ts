import { bool, boolish, dict, environment, str, stringList, templ } from './common.js';

/** Keywords a play accepts (rack's one source of truth for play validation). */
export const playSchema = {
  type: 'object',
  properties: {
    name: str,
    hosts: { anyOf: [str, { type: 'array', items: str }] },
    vars: dict,
    vars_files: { anyOf: [str, { type: 'array', items: { anyOf: [str, { type: 'array', items: str }] } }] },
    roles: { type: 'array', items: { anyOf: [str, { type: 'object', properties: { role: str, name: str } }] } },
    pre_tasks: { type: ['array', 'null'] },
    tasks: { type: ['array', 'null'] },
    post_tasks: { type: ['array', 'null'] },
    handlers: { type: ['array', 'null'] },
    become: boolish,
    become_user: str,
    gather_facts: boolish,
    serial: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^(\\d+%?|\\{\\{.*)$' }, { type: 'array', items: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^\\d+%?$' }] } }] },
    strategy: { enum: ['linear', 'free'] },
    max_fail_percentage: { anyOf: [{ type: 'number', minimum: 0, maximum: 100 }, templ] },
    any_errors_fatal: bool,
    tags: stringList,
    environment,
  },
  required: ['hosts'],
  additionalProperties: false,
} as const;

export const playKeywords = [...Object.keys(playSchema.properties), 'import_playbook'];
