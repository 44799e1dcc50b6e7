import { bool, boolish, condition, dict, environment, intish, str, stringList } from './common.js';

/** Keywords every task kind accepts (a module task, a block, an include). */
const common = {
  name: str,
  when: condition,
  tags: stringList,
  vars: dict,
  become: boolish,
  become_user: str,
  environment,
  ignore_errors: boolish,
  ignore_unreachable: boolish,
  no_log: boolish,
  check_mode: boolish,
  diff: boolish,
  delegate_to: str,
  run_once: boolish,
  any_errors_fatal: bool,
} as const;

const looping = {
  loop: { anyOf: [{ type: 'array' }, str] },
  with_items: { anyOf: [{ type: 'array' }, str] },
  loop_control: {
    type: 'object',
    properties: { loop_var: str, label: str, index_var: str, pause: { type: 'number', minimum: 0 } },
    additionalProperties: false,
  },
} as const;

export const moduleTaskSchema = {
  type: 'object',
  properties: {
    ...common,
    ...looping,
    register: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    notify: stringList,
    listen: stringList,
    changed_when: condition,
    failed_when: condition,
    until: { anyOf: [str, bool] },
    retries: intish,
    delay: intish,
    args: dict,
  },
} as const;

export const blockSchema = {
  type: 'object',
  properties: {
    ...common,
    notify: stringList,
    // Shapes of block/rescue/always are checked by the loader (E_BLOCK_SHAPE).
    block: {},
    rescue: {},
    always: {},
  },
} as const;

export const includeSchema = {
  type: 'object',
  properties: { ...common, ...looping, args: dict },
} as const;

export const moduleTaskKeywords = new Set(Object.keys(moduleTaskSchema.properties));
export const blockKeywords = new Set(Object.keys(blockSchema.properties));
export const includeKeywords = new Set(Object.keys(includeSchema.properties));
/** Keywords that look like modules but are handled by the loader. */
export const loaderActions = ['include_tasks', 'import_tasks', 'include_role', 'import_role'];
