import type { SourceRef } from '../errors.js';

/** A condition as written (when/changed_when/failed_when/until/that), with its position. */
export interface Condition {
  text: string;
  ref: SourceRef;
}

/** A loaded role: plain data plus where it lives (for files/ and templates/ lookups). */
export interface Role {
  name: string;
  dir: string;
  ref: SourceRef; // meta/main.yml or tasks/main.yml
  defaults: Record<string, unknown>;
  vars: Record<string, unknown>;
  tasks: Task[];
  handlers: Task[];
  /** meta/argument_specs.yml for the `main` entry point (raw, validated when loaded). */
  argumentSpecs?: ArgumentSpec;
  dependencies: RoleUse[];
}

export interface ArgumentSpec {
  options: Record<string, ArgumentOption>;
  ref: SourceRef;
}
export interface ArgumentOption {
  type?: 'str' | 'int' | 'bool' | 'list' | 'dict' | 'path' | 'raw' | 'float';
  required?: boolean;
  default?: unknown;
  choices?: unknown[];
  elements?: string;
  description?: string | string[];
  options?: Record<string, ArgumentOption>;
  ref: SourceRef;
}

/** A role applied in a play's `roles:` or a meta dependency, with its parameters. */
export interface RoleUse {
  role: Role;
  vars: Record<string, unknown>;
  when: Condition[];
  tags: string[];
  ref: SourceRef;
}

/** Keywords every task kind shares. */
export interface TaskCommon {
  name?: string;
  ref: SourceRef;
  when: Condition[];
  tags: string[];
  vars?: Record<string, unknown>;
  become?: boolean;
  becomeUser?: string;
  environment?: unknown;
  ignoreErrors?: boolean;
  ignoreUnreachable?: boolean;
  noLog?: boolean;
  checkMode?: boolean;
  diff?: boolean;
  delegateTo?: string;
  runOnce?: boolean;
  register?: string;
  notify: string[];
  /** Handlers only: topics this handler also answers to. */
  listen: string[];
  changedWhen?: Condition[] | boolean;
  failedWhen?: Condition[] | boolean;
  until?: Condition;
  retries?: number;
  delay?: number;
  /** loop / with_items value as written (a list, or a template string giving a list). */
  loop?: unknown;
  loopControl?: { loopVar: string; label?: string; indexVar?: string; pause?: number };
  anyErrorsFatal?: boolean;
  /** The role this task belongs to (for defaults/vars and files/templates lookups). */
  role?: Role;
  /** Directory relative paths in this task resolve against (role dir or playbook dir). */
  dir: string;
}

export interface ModuleTask extends TaskCommon {
  kind: 'module';
  module: string; // canonical short name: 'copy' for 'ansible.builtin.copy'
  args: Record<string, unknown>;
  argsRef: SourceRef;
}

export interface BlockTask extends TaskCommon {
  kind: 'block';
  block: Task[];
  rescue: Task[];
  always: Task[];
}

/** include_tasks: loaded when reached, per host (the file name may be templated). */
export interface IncludeTasksTask extends TaskCommon {
  kind: 'include_tasks';
  file: string;
}

/** include_role: loaded when reached; import_role is expanded at load time into a block. */
export interface IncludeRoleTask extends TaskCommon {
  kind: 'include_role';
  roleName: string;
  tasksFrom?: string;
  roleVars: Record<string, unknown>;
}

export type Task = ModuleTask | BlockTask | IncludeTasksTask | IncludeRoleTask;

export interface Play {
  name: string;
  ref: SourceRef;
  file: string;
  dir: string;
  hosts: string;
  vars: Record<string, unknown>;
  varsFiles: Array<{ path: string; ref: SourceRef }>;
  roles: RoleUse[];
  preTasks: Task[];
  tasks: Task[];
  postTasks: Task[];
  handlers: Task[];
  become?: boolean;
  becomeUser?: string;
  gatherFacts: boolean;
  /** Batch sizes: numbers or percentages ('30%'); a list steps through sizes. */
  serial?: Array<number | string>;
  strategy: 'linear' | 'free';
  maxFailPercentage?: number;
  anyErrorsFatal: boolean;
  tags: string[];
  environment?: unknown;
}

export interface Playbook {
  file: string;
  plays: Play[];
}

/** Loads task files and roles on demand (include_tasks / include_role at run time). */
export interface TaskLoader {
  loadTaskFile(path: string, from: TaskCommon): Promise<Task[]>;
  loadRole(name: string, from: TaskCommon, tasksFrom?: string): Promise<Role>;
}
