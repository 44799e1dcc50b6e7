import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPlaybookFile } from '../../src/playbook/check.js';

const ROLES = 100;
const TASKS = 20;

/** One task of a varied mix: modules with args, conditions, loops, templates. */
function task(r: number, t: number): string {
  switch (t % 5) {
    case 0:
      return `- name: conf ${t}\n  template: src=t${t % 2}.j2 dest=/etc/r${r}/${t}.conf mode=0644\n  notify: restart r${r}\n`;
    case 1:
      return `- name: pkgs ${t}\n  apt:\n    name: "{{ item }}"\n    state: present\n  loop: [a, b, c]\n  when: ansible_os_family == 'Debian' and not skip_${t} | default(false)\n`;
    case 2:
      return `- name: cmd ${t}\n  shell: echo ${t} > /tmp/r${r} chdir=/tmp\n  register: out${t}\n  changed_when: out${t}.rc != 0\n`;
    case 3:
      return `- name: line ${t}\n  lineinfile:\n    path: /etc/r${r}\n    regexp: '^x${t}='\n    line: "x${t}={{ port }}"\n  tags: [r${r}, lines]\n`;
    default:
      return `- name: dir ${t}\n  file: path=/srv/r${r}/${t} state=directory owner=root\n  become: true\n`;
  }
}

function generate(root: string): string {
  const roles: string[] = [];
  for (let r = 0; r < ROLES; r++) {
    const dir = join(root, 'roles', `r${r}`);
    for (const sub of ['tasks', 'handlers', 'templates', 'defaults', 'meta']) mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, 'tasks', 'main.yml'), Array.from({ length: TASKS }, (_, t) => task(r, t)).join(''));
    writeFileSync(join(dir, 'handlers', 'main.yml'), `- name: restart r${r}\n  service: name=r${r} state=restarted\n`);
    writeFileSync(join(dir, 'templates', 't0.j2'), 'port={{ port }}\n{{#each hosts}}{{this}}\n{{/each}}\n');
    writeFileSync(join(dir, 'templates', 't1.j2'), '# {{ inventory_hostname }}\n');
    writeFileSync(join(dir, 'defaults', 'main.yml'), `port: ${8000 + r}\n`);
    writeFileSync(join(dir, 'meta', 'main.yml'), r > 0 ? `dependencies:\n  - r${r - 1}\n` : 'dependencies: []\n');
    roles.push(`    - r${r}`);
  }
  const site = join(root, 'site.yml');
  writeFileSync(site, `- hosts: all\n  roles:\n${roles.join('\n')}\n`);
  return site;
}

/** Load and check a generated project of 100 roles x 20 tasks, cold then warm (in-process). */
export async function benchCheck(log: (line: string) => void): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'rack-bench-check-'));
  try {
    const site = generate(root);
    for (const label of ['first', 'second']) {
      const t0 = performance.now();
      const { diagnostics } = await checkPlaybookFile(site, { env: {} });
      const ms = performance.now() - t0;
      if (diagnostics.length) throw new Error(`generated project is not clean: ${diagnostics[0].code} ${diagnostics[0].message}`);
      log(`check ${ROLES} roles x ${TASKS} tasks (${label}): ${ms.toFixed(0)} ms`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchCheck((l) => console.log(l));
