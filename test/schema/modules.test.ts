import { describe, expect, it } from 'vitest';
import { modules } from '../../src/schema/modules.js';
import { validatorFor } from '../../src/schema/ajv.js';
import { parseYaml } from '../../src/source/yaml.js';
import { parseTaskList } from '../../src/playbook/tasks.js';
import { newContext } from '../../src/playbook/context.js';
import type { ModuleTask } from '../../src/playbook/types.js';

describe('module registry', () => {
  const reg = modules();
  it('resolves FQCN names', () => {
    expect(reg.canonical('ansible.legacy.shell')).toBe('shell');
    expect(reg.has('ansible.builtin.copy')).toBe(true);
    expect(reg.has('nope')).toBe(false);
  });
  it('every module schema compiles and its example loads cleanly', () => {
    for (const name of reg.names()) {
      expect(() => validatorFor(reg.schema(name)!), name).not.toThrow();
      const example = reg.meta(name).example;
      if (!example) continue;
      const y = parseYaml(example, `${name}.example.yml`);
      expect(y.diagnostics, name).toEqual([]);
      const ctx = newContext('/tmp/x.yml', { env: {} });
      const tasks = parseTaskList(ctx, y.value, { file: `${name}.example.yml`, dir: '/tmp' });
      expect(ctx.diagnostics.map((d) => d.message), name).toEqual([]);
      expect((tasks[0] as ModuleTask).module, name).toBe(name);
    }
  });
  it('renames aliases and converts strings, keeping positions', () => {
    const y = parseYaml('- file: dest=/x state=directory\n- apt: pkg=nginx update_cache=yes\n', 't.yml');
    const ctx = newContext('/tmp/t.yml', { env: {} });
    const [f, a] = parseTaskList(ctx, y.value, { file: 't.yml', dir: '/tmp' }) as ModuleTask[];
    expect(ctx.diagnostics).toEqual([]);
    expect(f.args).toEqual({ path: '/x', state: 'directory' });
    expect(a.args).toEqual({ name: 'nginx', update_cache: true });
  });
  it('does not type-check templated values', () => {
    const y = parseYaml('- copy: {content: x, dest: /x, backup: "{{ b }}"}\n', 't.yml');
    const ctx = newContext('/tmp/t.yml', { env: {} });
    parseTaskList(ctx, y.value, { file: 't.yml', dir: '/tmp' });
    expect(ctx.diagnostics).toEqual([]);
  });
});
