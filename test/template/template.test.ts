import { diagOf } from '../helpers/diag.js';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/commands/secret.js';
import { evalCondition, recordScope } from '../../src/expr/index.js';
import type { Scope } from '../../src/expr/scope.js';
import { compileTemplate } from '../../src/template/compile.js';
import {
  checkTemplate,
  holdsSecret,
  lazyScope,
  markRaw,
  renderTemplateText,
  renderTemplateTextTracked,
  renderValue,
  toTemplateContext,
} from '../../src/template/index.js';

const FILE = { file: 'templates/frr.conf.hbs', line: 1, col: 1 };


const base = () =>
  lazyScope([
    {
      n: 5,
      name: 'node1',
      list: ['a', 'b'],
      dict: { x: 1, y: 'two' },
      flag: false,
      q: `say "hi" <b>&amp;</b> 'x'`,
      net: '10.0.0.0/24',
      nested: { deep: { value: 'v' } },
    },
  ]);

describe('strict rendering', () => {
  it('an undefined variable names the variable and its file:line:col', () => {
    const d = diagOf(() => renderTemplateText('hostname {{ name }}\n  ip {{ iface.addr }}\n', base(), FILE));
    expect(d.code).toBe('E_TEMPLATE_UNDEFINED');
    expect(d.message).toBe("undefined variable 'iface.addr'");
    expect(d.ref).toMatchObject({ file: 'templates/frr.conf.hbs', line: 2, col: 9 });
  });
  it('a missing key of a defined dict is an error too', () => {
    const d = diagOf(() => renderTemplateText('{{ dict.z }}', base(), FILE));
    expect(d.message).toBe("undefined variable 'dict.z'");
    expect(d.ref).toMatchObject({ line: 1, col: 4 });
  });
  it('a missing level in the middle of a path is named', () => {
    const d = diagOf(() => renderTemplateText('x\ny {{ nested.nope.value }}', base(), FILE));
    expect(d.message).toBe("undefined variable 'nested.nope.value'");
    expect(d.ref).toMatchObject({ line: 2, col: 6 });
  });
  it('helper arguments are strict', () => {
    const d = diagOf(() => renderTemplateText('a\nb\n{{join missing ","}}', base(), FILE));
    expect(d.code).toBe('E_TEMPLATE_UNDEFINED');
    expect(d.message).toContain("'missing'");
    expect(d.ref?.line).toBe(3);
  });
  it('each over an undefined list is an error', () => {
    expect(diagOf(() => renderTemplateText('{{#each hosts}}x{{/each}}', base(), FILE)).message).toContain("'hosts'");
  });
  it('default, defined and if accept undefined', () => {
    const s = base();
    expect(renderTemplateText('{{default port 22}} {{default n 1}}', s)).toBe('22 5');
    expect(renderTemplateText('{{#if missing}}yes{{else}}no{{/if}}', s)).toBe('no');
    expect(renderTemplateText('{{#if (defined missing)}}yes{{else}}no{{/if}}', s)).toBe('no');
    expect(renderTemplateText('{{#unless flag}}off{{/unless}}', s)).toBe('off');
  });
  it('an unknown helper is named, with a suggestion', () => {
    const d = diagOf(() => renderTemplateText('{{jion list ","}}', base(), FILE));
    expect(d.code).toBe('E_TEMPLATE_HELPER');
    expect(d.message).toBe("unknown helper 'jion'");
    expect(d.hint).toBe("did you mean 'join'?");
  });
  it('a failing helper reports its place', () => {
    const d = diagOf(() => renderTemplateText('ok\n  {{nthhost net 300}}', base(), FILE));
    expect(d.code).toBe('E_TEMPLATE_HELPER');
    expect(d.message).toContain('300 is outside 10.0.0.0/24');
    expect(d.ref).toMatchObject({ line: 2, col: 3 });
  });
  it('syntax errors carry line and column', () => {
    const d = diagOf(() => renderTemplateText('ok\n{{ foo }\n', base(), FILE));
    expect(d.code).toBe('E_TEMPLATE_SYNTAX');
    expect(d.ref).toMatchObject({ line: 2, col: 8 });
  });
});

describe('checkTemplate', () => {
  it('is empty for a good template', () => {
    expect(checkTemplate('{{#each list}}{{this}}{{/each}} {{default x 1}}', FILE)).toEqual([]);
  });
  it('reports an unclosed block at the end', () => {
    const [d] = checkTemplate('a\n{{#if x}}\nb', FILE);
    expect(d).toMatchObject({ code: 'E_TEMPLATE_SYNTAX', ref: { line: 3, col: 2 } });
    expect(d.message).toContain('end of template');
  });
  it('reports a mismatched block', () => {
    const [d] = checkTemplate('x {{#each a}}{{/if}}', FILE);
    expect(d).toMatchObject({ code: 'E_TEMPLATE_SYNTAX', ref: { line: 1, col: 6 } });
    expect(d.message).toContain("each doesn't match if");
  });
  it('reports every unknown helper with did-you-mean', () => {
    const ds = checkTemplate('{{to_jsno x}}\n{{#eahc xs}}{{/eahc}} {{upper (lowr y)}}', FILE);
    expect(ds.map((d) => [d.message, d.ref?.line, d.ref?.col, d.hint])).toEqual([
      ["unknown helper 'to_jsno'", 1, 3, "did you mean 'to_json'?"],
      ["unknown helper 'eahc'", 2, 4, "did you mean 'each'?"],
      ["unknown helper 'lowr'", 2, 32, "did you mean 'lower'?"],
    ]);
  });
  it('positions inside a YAML value are relative to the value start', () => {
    const [d] = checkTemplate('{{ a }', { file: 'p.yml', line: 4, col: 12 });
    expect(d.ref).toMatchObject({ file: 'p.yml', line: 4, col: 17 });
  });
});

describe('no HTML escaping', () => {
  it('quotes, < > & stay as they are', () => {
    expect(renderTemplateText('x={{ q }}', base())).toBe(`x=say "hi" <b>&amp;</b> 'x'`);
    expect(renderValue('{{ q }}', base())).toBe(`say "hi" <b>&amp;</b> 'x'`);
    expect(renderValue('a {{ q }}', base())).toBe(`a say "hi" <b>&amp;</b> 'x'`);
  });
});

describe('renderValue keeps the type of a single expression', () => {
  const s = base();
  it.each([
    ['{{ n }}', 5],
    ['{{n}}', 5],
    ['{{ list }}', ['a', 'b']],
    ['{{ dict }}', { x: 1, y: 'two' }],
    ['{{ flag }}', false],
    ['{{default missing 3}}', 3],
    ['{{default missing list}}', ['a', 'b']],
    ['{{eq n 5}}', true],
    ['{{prefix net}}', 24],
    ['{{split "a,b" ","}}', ['a', 'b']],
    ['{{ nested.deep }}', { value: 'v' }],
    [' {{ n }}', ' 5'],
    ['{{ n }}{{ n }}', '55'],
    ['n={{ n }}', 'n=5'],
    ['no template', 'no template'],
  ])('%s', (text, expected) => {
    expect(renderValue(text, s)).toEqual(expected);
  });
  it('renders through lists and dicts', () => {
    expect(renderValue({ a: ['{{ n }}', 'x{{ n }}', 3, null], b: { c: '{{ list }}' } }, s)).toEqual({
      a: [5, 'x5', 3, null],
      b: { c: ['a', 'b'] },
    });
  });
  it('returns plain data, not views', () => {
    const v = renderValue('{{ dict }}', s) as Record<string, unknown>;
    v.x = 42;
    expect(renderValue('{{ dict.x }}', s)).toBe(1);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });
  it('compiles a text once', () => {
    expect(compileTemplate('{{ n }} cached')).toBe(compileTemplate('{{ n }} cached'));
  });
});

describe('lazy scope', () => {
  it('renders nested variables on access (Ansible semantics)', () => {
    const s = lazyScope([{ a: '{{ b }}-x', b: 1 }]);
    expect(renderValue('{{ a }}', s)).toBe('1-x');
    expect(s.get('a')).toBe('1-x');
  });
  it('sees the winning layer of a referenced variable', () => {
    const s = lazyScope([{ a: '{{ b }}-x', b: 1 }, { b: 2 }]);
    expect(renderValue('{{ a }}', s)).toBe('2-x');
  });
  it('later layers replace dicts whole (no deep merge)', () => {
    const s = lazyScope([{ d: { x: 1, y: 2 } }, { d: { x: 3 } }]);
    expect(renderValue('{{ d }}', s)).toEqual({ x: 3 });
    expect(diagOf(() => renderValue('{{ d.y }}', s)).message).toBe("undefined variable 'd.y'");
  });
  it('renders strings deep inside dicts and lists lazily, keeping types', () => {
    const s = lazyScope([{ port: 179, peers: [{ ip: '10.0.0.{{ last }}', port: '{{ port }}' }], last: 9 }]);
    expect(renderValue('{{ peers }}', s)).toEqual([{ ip: '10.0.0.9', port: 179 }]);
    expect(renderTemplateText('{{#each peers}}neighbor {{ip}} port {{port}}\n{{/each}}', s)).toBe('neighbor 10.0.0.9 port 179\n');
  });
  it('only renders what is read', () => {
    const s = lazyScope([{ good: 'ok', bad: '{{ nope }}' }]);
    expect(renderValue('{{ good }}', s)).toBe('ok');
  });
  it('an error inside a variable names the variable', () => {
    const d = diagOf(() => renderValue('{{ a }}', lazyScope([{ a: 'x {{ nope }}' }])));
    expect(d.message).toBe("undefined variable 'nope' (in variable 'a')");
  });
  it('detects cycles between variables', () => {
    const d = diagOf(() => renderValue('{{ a }}', lazyScope([{ a: '{{ b }}', b: 'x{{ c }}', c: '{{ a }}' }])));
    expect(d.code).toBe('E_TEMPLATE_CYCLE');
    expect(d.message).toContain('a -> b -> c -> a');
  });
  it('detects a value referring to itself through its own dict', () => {
    const d = diagOf(() => renderValue('{{ a.x }}', lazyScope([{ a: { x: '{{ a.x }}' } }])));
    expect(d.code).toBe('E_TEMPLATE_CYCLE');
    expect(d.message).toContain('a.x -> a.x');
  });
  it('a variable may use a sibling of its own dict', () => {
    expect(renderValue('{{ a.x }}', lazyScope([{ a: { x: '{{ a.y }}!', y: 'why' } }]))).toBe('why!');
  });
  it('values marked raw are never templated', () => {
    const s = lazyScope([{ out: markRaw({ stdout: 'literal {{ braces }}' }) }]);
    expect(renderValue('{{ out.stdout }}', s)).toBe('literal {{ braces }}');
  });
  it('is usable by the expression evaluator', () => {
    const s = lazyScope([{ a: '{{ b }}-x', b: 1, l: ['{{ b }}'] }]);
    expect(evalCondition("a == '1-x' and l[0] == 1", s)).toBe(true);
    expect(evalCondition('zz is defined', s)).toBe(false);
  });
  it('lists its names', () => {
    const s = lazyScope([{ a: 1 }, { b: 2 }]);
    expect(Object.keys(toTemplateContext(s)).sort()).toEqual(['a', 'b']);
  });
});

describe('hostvars and groups', () => {
  // The executor's shape: hostvars is a proxy of per-host template contexts.
  const hosts: Record<string, Scope> = {
    node1: lazyScope([{ ansible_host: '10.0.0.{{ idx }}', idx: 11 }]),
    node2: lazyScope([{ ansible_host: '10.0.0.12' }]),
  };
  const hostvars = new Proxy({} as Record<string, unknown>, {
    get: (_t, k) => (typeof k === 'string' && hosts[k] ? toTemplateContext(hosts[k]) : undefined),
    has: (_t, k) => typeof k === 'string' && k in hosts,
    ownKeys: () => Object.keys(hosts),
    getOwnPropertyDescriptor: (_t, k) => (typeof k === 'string' && k in hosts ? { configurable: true, enumerable: true, value: undefined } : undefined),
  });
  const s = lazyScope([{ hostvars, groups: { pis: ['node1', 'node2'] }, first: '{{ hostvars.node1.ansible_host }}' }]);

  it('plain paths work', () => {
    expect(renderTemplateText('{{hostvars.node1.ansible_host}}', s)).toBe('10.0.0.11');
    expect(renderValue('{{ first }}', s)).toBe('10.0.0.11');
  });
  it('lookup works, with several keys', () => {
    expect(renderTemplateText('{{lookup hostvars "node2" "ansible_host"}}', s)).toBe('10.0.0.12');
    expect(renderTemplateText('{{#each groups.pis}}{{lookup ../hostvars this "ansible_host"}} {{/each}}', s)).toBe('10.0.0.11 10.0.0.12 ');
    expect(diagOf(() => renderTemplateText('{{lookup hostvars "node3" "ansible_host"}}', s)).message).toContain("'node3' not found");
  });
  it('an unknown host is an undefined variable', () => {
    expect(diagOf(() => renderTemplateText('{{hostvars.node9.ansible_host}}', s)).message).toBe(
      "undefined variable 'hostvars.node9.ansible_host'",
    );
  });
  it('expressions reach hostvars too', () => {
    expect(evalCondition("hostvars.node1.ansible_host == '10.0.0.11' and 'node2' in groups.pis", s)).toBe(true);
    expect(evalCondition('hostvars.node9 is defined', s)).toBe(false);
  });
  it('each walks dicts with @key', () => {
    expect(renderTemplateText('{{#each dict}}{{@key}}={{this}};{{/each}}', base())).toBe('x=1;y=two;');
  });
});

describe('helpers', () => {
  const s = lazyScope([{ list: ['a', 'b'], obj: { k: [1, 'x'] }, path: '/etc/frr/frr.conf', n: 5, text: 'a\nb' }]);
  it.each([
    ['{{join list ","}}', 'a,b'],
    ['{{to_json obj}}', '{"k":[1,"x"]}'],
    ['{{to_nice_json obj}}', '{\n    "k": [\n        1,\n        "x"\n    ]\n}'],
    ['{{to_yaml obj}}', 'k:\n  - 1\n  - x'],
    ['{{#if (eq n 5)}}five{{/if}}', 'five'],
    ['{{#if (and (gt n 1) (lt n 9) (not (ne n 5)))}}in{{/if}}', 'in'],
    ['{{#if (or false 0 "")}}t{{else}}f{{/if}}', 'f'],
    ['x:\n  {{indent text 2}}', 'x:\n  a\n  b'],
    ['{{lower "AbC"}}{{upper "d"}}', 'abcD'],
    ['{{replace path "frr" "bird"}}', '/etc/bird/bird.conf'],
    ['{{basename path}} {{dirname path}}', 'frr.conf /etc/frr'],
    ['{{b64encode "rack:pass"}} {{b64decode "cmFjaw=="}}', 'cmFjazpwYXNz rack'],
    ['{{hash "sha256" "abc"}}', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['{{sha256 "abc"}}', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['{{ipaddr "10.1.2.3/16"}} {{netmask "10.1.2.3/16"}} {{prefixlen "10.1.2.3/16"}}', '10.1.2.3 255.255.0.0 16'],
    ['{{network "192.168.1.77/26"}} {{broadcast "192.168.1.77/26"}}', '192.168.1.64 192.168.1.127'],
    ['{{nthhost "10.0.0.0/24" 5}} {{host_cidr "10.0.0.0/24" 5}}', '10.0.0.5 10.0.0.5/24'],
    ['{{#if (ip_in_cidr "10.0.0.5" "10.0.0.0/24")}}in{{/if}}', 'in'],
    ['{{ip2int "10.0.0.1"}} {{int2ip 3232235777}}', '167772161 192.168.1.1'],
    ['{{router_id "10.255.0.0" n}} {{ipmath "10.0.0.254" 3}}', '10.255.0.5 10.0.1.1'],
    ['{{quote "it\'s"}}', `'it'\\''s'`],
    ['{{length list}} {{first list}} {{last list}}', '2 a b'],
  ])('%s', (tpl, out) => {
    expect(renderTemplateText(tpl, s)).toBe(out);
  });
  it('split keeps a list', () => {
    expect(renderValue('{{split "a b" " "}}', s)).toEqual(['a', 'b']);
  });
});

describe('secrets', () => {
  const s = lazyScope([
    { pw: new Secret('hunter2'), user: 'admin', creds: { user: 'admin', pw: new Secret('s3cr3t') }, conn: 'admin:{{ pw }}' },
  ]);
  it('a string using a secret is a Secret holding the revealed text', () => {
    const v = renderValue('password {{ pw }}', s);
    expect(v).toBeInstanceOf(Secret);
    expect((v as Secret).reveal()).toBe('password hunter2');
    expect(String(v)).not.toContain('hunter2');
  });
  it('a single secret expression stays Secret', () => {
    const v = renderValue('{{ pw }}', s);
    expect(v).toBeInstanceOf(Secret);
    expect((v as Secret).reveal()).toBe('hunter2');
  });
  it('strings without secrets stay plain', () => {
    expect(renderValue('{{ user }}', s)).toBe('admin');
    expect(holdsSecret(renderValue({ a: '{{ user }}' }, s))).toBe(false);
  });
  it('a dict keeps its Secret leaves', () => {
    const v = renderValue('{{ creds }}', s) as Record<string, unknown>;
    expect(v.user).toBe('admin');
    expect(v.pw).toBeInstanceOf(Secret);
    expect(holdsSecret(v)).toBe(true);
  });
  it('propagates through a lazily rendered variable and through helpers', () => {
    const v = renderValue('{{ conn }}', s);
    expect(v).toBeInstanceOf(Secret);
    expect((v as Secret).reveal()).toBe('admin:hunter2');
    const b = renderValue('{{b64encode pw}}', s);
    expect((b as Secret).reveal()).toBe(Buffer.from('hunter2').toString('base64'));
    expect(renderValue('{{split conn ":"}}', s)).toEqual([expect.any(Secret), expect.any(Secret)]);
  });
  it('template files reveal the secret and say so', () => {
    expect(renderTemplateTextTracked('pass={{ pw }}\n', s)).toEqual({ text: 'pass=hunter2\n', secret: true });
    expect(renderTemplateTextTracked('user={{ user }}\n', s)).toEqual({ text: 'user=admin\n', secret: false });
    expect(renderTemplateTextTracked('{{to_json creds}}', s)).toEqual({ text: '{"user":"admin","pw":"s3cr3t"}', secret: true });
  });
  it('works with a plain record scope too', () => {
    const r = recordScope({ pw: new Secret('abc') });
    expect((renderValue('x{{ pw }}', r) as Secret).reveal()).toBe('xabc');
  });
});
