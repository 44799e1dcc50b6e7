import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Diagnostic } from '../errors.js';
import { schemaDiagnostics, validatorFor } from '../schema/ajv.js';
import { playKeywords, playSchema } from '../schema/play.js';
import { keyRefOf, refOf, valueRefOf } from '../source/positions.js';
import { at, isMapping, newContext, pushDiag, readYaml, tagList, type LoadContext, type LoadOptions } from './context.js';
import { checkPatternSyntax } from './patterns.js';
import { flattenRoles, roleUse } from './roles.js';
import { parseTaskList, type TaskScope } from './tasks.js';
import { PlaybookTaskLoader } from './task-loader.js';
import type { Play, Playbook, RoleUse, TaskLoader } from './types.js';

export type { LoadOptions } from './context.js';

export interface LoadResult {
  /** Present whenever the file is a list of plays, even with problems (see diagnostics). */
  playbook?: Playbook;
  diagnostics: Diagnostic[];
  /** The load's shared state, for the deeper static checks (templates, conditions). */
  context: LoadContext;
  /** Loads include_tasks / include_role when the run reaches them. */
  loader: TaskLoader;
}

/**
 * Read a playbook with everything it imports: plays, roles (with dependencies), static task
 * imports. Reports every problem found; never throws for a user mistake.
 */
export function loadPlaybook(file: string, opts: LoadOptions = {}): LoadResult {
  const path = resolve(file);
  const ctx = newContext(path, opts);
  const plays: Play[] = [];
  loadPlays(ctx, path, plays, []);
  const pbOk = ctx.diagnostics.every((d) => d.code !== 'E_PLAY_SHAPE' || d.ref?.file !== path) || plays.length > 0;
  return { playbook: pbOk && existsSync(path) ? { file: path, plays } : undefined, diagnostics: ctx.diagnostics, context: ctx, loader: new PlaybookTaskLoader(path, opts) };
}

function loadPlays(ctx: LoadContext, file: string, plays: Play[], chain: string[]): void {
  const loaded = readYaml(ctx, file, undefined);
  if (loaded.value === undefined) return;
  const doc = loaded.value;
  if (!Array.isArray(doc)) {
    pushDiag(ctx, 'E_PLAY_SHAPE', 'a playbook must be a list of plays', at(doc, undefined, file), "start each play with '- hosts: ...'");
    return;
  }
  doc.forEach((raw, i) => {
    const ref = refOf(raw) ?? at(doc, i, file);
    if (!isMapping(raw)) {
      pushDiag(ctx, 'E_PLAY_SHAPE', 'each play must be a mapping', ref, "a play looks like '- hosts: all\\n  tasks: [...]'");
      return;
    }
    if ('import_playbook' in raw) return importPlaybook(ctx, raw, file, plays, chain);
    const play = parsePlay(ctx, raw, file);
    if (play) plays.push(play);
  });
}

function importPlaybook(ctx: LoadContext, raw: Record<string, unknown>, file: string, plays: Play[], chain: string[]): void {
  const ref = valueRefOf(raw, 'import_playbook') ?? refOf(raw)!;
  for (const k of Object.keys(raw))
    if (!['import_playbook', 'name', 'when', 'tags', 'vars'].includes(k))
      pushDiag(ctx, 'E_UNKNOWN_KEYWORD', `unknown keyword '${k}' next to import_playbook`, keyRefOf(raw, k) ?? ref, 'import_playbook accepts name, when, tags, vars');
  if (typeof raw.import_playbook !== 'string') {
    pushDiag(ctx, 'E_PLAY_SHAPE', 'import_playbook needs a file name', ref, "e.g. '- import_playbook: site.yml'");
    return;
  }
  const target = resolve(dirname(file), raw.import_playbook);
  if (!existsSync(target)) {
    pushDiag(ctx, 'E_FILE_NOT_FOUND', `playbook '${raw.import_playbook}' not found`, ref, `looked for ${target}`);
    return;
  }
  if (target === file || chain.includes(target)) {
    pushDiag(ctx, 'E_IMPORT_CYCLE', `playbook imports itself: ${[...chain, file, target].join(' -> ')}`, ref, 'remove the circular import_playbook');
    return;
  }
  const before = plays.length;
  loadPlays(ctx, target, plays, [...chain, file]);
  // Keywords on the import apply to every imported play.
  const tags = tagList(raw.tags);
  for (const p of plays.slice(before)) {
    p.tags = [...new Set([...tags, ...p.tags])];
    if (isMapping(raw.vars)) p.vars = { ...raw.vars, ...p.vars };
  }
}

function parsePlay(ctx: LoadContext, raw: Record<string, unknown>, file: string): Play | undefined {
  const ref = refOf(raw) ?? at(raw, undefined, file);
  const v = validatorFor(playSchema);
  if (!v(raw))
    ctx.diagnostics.push(
      ...schemaDiagnostics(v.errors, raw, playSchema, {
        code: 'E_KEYWORD_TYPE',
        unknownCode: 'E_UNKNOWN_KEYWORD',
        noun: 'keyword',
        where: '',
        hint: 'see the play keywords in the rack documentation',
        codeFor: (kw, path) => (kw === 'required' && path.length === 0 ? 'E_PLAY_SHAPE' : undefined),
      }).map((d) => (d.code === 'E_UNKNOWN_KEYWORD' ? { ...d, message: d.message.replace("unknown keyword", 'unknown play keyword'), hint: `play keywords: ${playKeywords.join(', ')}` } : d)),
    );
  const dir = dirname(file);
  const hosts = Array.isArray(raw.hosts) ? raw.hosts.map(String).join(':') : typeof raw.hosts === 'string' ? raw.hosts : '';
  if (typeof raw.hosts === 'string') ctx.diagnostics.push(...checkPatternSyntax(raw.hosts, patternRef(ctx, raw)));
  const play: Play = {
    name: typeof raw.name === 'string' ? raw.name : hosts,
    ref,
    file,
    dir,
    hosts,
    vars: isMapping(raw.vars) ? raw.vars : {},
    varsFiles: varsFiles(ctx, raw, dir, file),
    roles: [],
    preTasks: [],
    tasks: [],
    postTasks: [],
    handlers: [],
    gatherFacts: typeof raw.gather_facts === 'boolean' ? raw.gather_facts : true,
    strategy: raw.strategy === 'free' ? 'free' : 'linear',
    anyErrorsFatal: raw.any_errors_fatal === true,
    tags: tagList(raw.tags),
  };
  if (typeof raw.become === 'boolean') play.become = raw.become;
  if (raw.become_user !== undefined) play.becomeUser = String(raw.become_user);
  if (raw.serial !== undefined && raw.serial !== null) play.serial = (Array.isArray(raw.serial) ? raw.serial : [raw.serial]) as Array<number | string>;
  if (typeof raw.max_fail_percentage === 'number') play.maxFailPercentage = raw.max_fail_percentage;
  if (raw.environment !== undefined) play.environment = raw.environment;
  ctx.extraHandlers = [];
  const uses: RoleUse[] = [];
  if (Array.isArray(raw.roles))
    raw.roles.forEach((r, i) => {
      const u = roleUse(ctx, r, at(raw.roles, i, file), { dir, file });
      if (u) uses.push(u);
    });
  play.roles = flattenRoles(uses);
  const scope: TaskScope = { file, dir };
  play.preTasks = parseTaskList(ctx, raw.pre_tasks, scope);
  play.tasks = parseTaskList(ctx, raw.tasks, scope);
  play.postTasks = parseTaskList(ctx, raw.post_tasks, scope);
  play.handlers = [...parseTaskList(ctx, raw.handlers, { ...scope, handlers: true }), ...ctx.extraHandlers];
  ctx.extraHandlers = [];
  return play;
}

/** Column of the pattern text itself (inside quotes when quoted). */
function patternRef(ctx: LoadContext, raw: Record<string, unknown>) {
  const r = valueRefOf(raw, 'hosts') ?? refOf(raw)!;
  const line = ctx.lines.get(r.file)?.[r.line - 1];
  const q = line?.[r.col - 1];
  return q === '"' || q === "'" ? { file: r.file, line: r.line, col: r.col + 1 } : { file: r.file, line: r.line, col: r.col };
}

function varsFiles(ctx: LoadContext, raw: Record<string, unknown>, dir: string, file: string): Play['varsFiles'] {
  const v = raw.vars_files;
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  const out: Play['varsFiles'] = [];
  list.forEach((item, i) => {
    const ref = Array.isArray(v) ? at(v, i, file) : at(raw, 'vars_files', file);
    // A nested list means "the first of these that exists" (Ansible's fallback form).
    const candidates = (Array.isArray(item) ? item : [item]).map(String);
    const literal = candidates.filter((c) => !c.includes('{{'));
    const found = literal.find((c) => existsSync(resolve(dir, c)));
    if (found) out.push({ path: resolve(dir, found), ref });
    else if (literal.length === candidates.length)
      pushDiag(ctx, 'E_FILE_NOT_FOUND', `vars file '${candidates.join("' or '")}' not found`, ref, `paths are relative to ${dir}`);
    else out.push({ path: candidates[0], ref });
  });
  return out;
}
