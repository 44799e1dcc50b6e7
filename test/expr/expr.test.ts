import { diagOf } from '../helpers/diag.js';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/commands/secret.js';
import { checkExpr, evalCondition, evalExpr, parseExpr, recordScope } from '../../src/expr/index.js';
import { trackSecrets } from '../../src/template/secrets.js';

const vars = {
  a: { b: 'x', n: 3, list: [1, 2, 3] },
  s: 'hello world',
  n: 5,
  f: 2.5,
  t: true,
  e: '',
  nothing: null,
  group_names: ['pi', 'workers'],
  res_ok: { failed: false, changed: true },
  res_fail: { failed: true, changed: false },
  res_skip: { skipped: true, changed: false },
  items: ['b', 'a', 'c'],
  d: { k1: 1, k2: 2 },
  yes: 'yes',
  num_s: '42',
  ver: '1.9',
  pw: new Secret('hunter2'),
};
const scope = recordScope(vars);
const ev = (text: string): unknown => evalExpr(parseExpr(text), scope);

const CASES: Array<[string, unknown]> = [
  ["a.b == 'x' and not t", false],
  ["'pi' in group_names", true],
  ["'x86' not in group_names", true],
  ['x is defined', false],
  ['a.b is defined', true],
  ['a.zz is defined', false],
  ['zz.yy is defined', false],
  ['zz is undefined', true],
  ['zz is not defined', true],
  ['nothing is none', true],
  ['nothing.x is defined', false],
  ['s is string', true],
  ['n is number', true],
  ['s is number', false],
  ['a is mapping', true],
  ['items is sequence', true],
  ['d is sequence', false],
  ['t is boolean', true],
  ['res_ok is succeeded', true],
  ['res_fail is failed', true],
  ['res_fail is not failed', false],
  ['res_ok is changed', true],
  ['res_fail is changed', false],
  ['res_skip is skipped', true],
  ["s is match('hel')", true],
  ["s is match('world')", false],
  ["s is search('wor')", true],
  ["ver is version('1.10', '>=')", false],
  ['items | length', 3],
  ['s | length > 5', true],
  ['zz | default(7)', 7],
  ["a.zz | default('d')", 'd'],
  ["e | default('x', true)", 'x'],
  ["e | default('x')", ''],
  ['yes | bool', true],
  ["'off' | bool", false],
  ['num_s | int + 1', 43],
  ["'abc' | int", 0],
  ['f | int', 2],
  ['n | string', '5'],
  ['t | string', 'True'],
  ["'AbC' | lower", 'abc'],
  ["'AbC' | upper", 'ABC'],
  ["'  x  ' | trim", 'x'],
  ['d | list', ['k1', 'k2']],
  ["items | join(',')", 'b,a,c'],
  ['items | first', 'b'],
  ['items | last', 'c'],
  ["s | regex_search('w[a-z]+')", 'world'],
  ["s | regex_search('zzz')", null],
  ["s.startswith('hell')", true],
  ["s.endswith('xx')", false],
  ["s.split(' ')", ['hello', 'world']],
  ['s.split()[1]', 'world'],
  ["'a,b,c'.split(',', 1)", ['a', 'b,c']],
  ['1 + 2 * 3', 7],
  ['(1 + 2) * 3', 9],
  ['7 % 3', 1],
  ['-7 % 3', 2],
  ['7 / 2', 3.5],
  ['7 // 2', 3],
  ['2 ** 10', 1024],
  ['-n + 1', -4],
  ["'a' ~ 1 ~ true", 'a1True'],
  ["'a' + 'b'", 'ab'],
  ['[1, 2] + [3]', [1, 2, 3]],
  ["{'k': 1}['k']", 1],
  ["d['k2']", 2],
  ['items[0]', 'b'],
  ['items[-1]', 'c'],
  ['a.list.1', 2],
  ['n > 3 and n <= 5', true],
  ['1 < n < 10', true],
  ['1 < n < 4', false],
  ['n != 5 or f == 2.5', true],
  ['n >= 6', false],
  ["'b' < 'c'", true],
  ['not (t and e)', true],
  ["e or 'fallback'", 'fallback'],
  ['True and False', false],
  ['nothing == None', true],
  ['null is none', true],
  ['[1, 2] == [1, 2]', true],
  ["{'a': 1} == {'a': 1}", true],
  ['1 == 1.0', true],
  ["'1' == 1", false],
  ['true == 1', true],
  ["'wor' in s", true],
  ["'k1' in d", true],
  ['d.keys() | list', ['k1', 'k2']],
  ["d.get('nope', 9)", 9],
  ["'yes' if t else 'no'", 'yes'],
  ["'yes' if e else 'no'", 'no'],
  ['"double \\"q\\"" ~ \'\'', 'double "q"'],
  ["items | sort | join('')", 'abc'],
  ['[3, 1, 2] | max', 3],
  ["a['b']", 'x'],
  ['a.n is number and a.n > 2', true],
  ['1_000 + 0.5', 1000.5],
  ["'x' * 3", 'xxx'],
  ["pw == 'hunter2'", true],
  ['pw | length', 7],
];

describe('expression evaluation', () => {
  it('has a large table', () => expect(CASES.length).toBeGreaterThanOrEqual(80));
  it.each(CASES)('%s', (text, expected) => {
    expect(ev(text)).toEqual(expected);
  });
});

describe('conditions', () => {
  it('uses Ansible truthiness', () => {
    expect(evalCondition('e', scope)).toBe(false);
    expect(evalCondition('d', scope)).toBe(true);
    expect(evalCondition('[]', scope)).toBe(false);
    expect(evalCondition('{}', scope)).toBe(false);
    expect(evalCondition('0', scope)).toBe(false);
    expect(evalCondition("'false'", scope)).toBe(true);
    expect(evalCondition(true, scope)).toBe(true);
    expect(evalCondition(parseExpr('n == 5'), scope)).toBe(true);
  });
  it('short-circuits: the right side of a false `and` is not evaluated', () => {
    expect(evalCondition('x is defined and x.y == 1', scope)).toBe(false);
    expect(evalCondition('t or zz', scope)).toBe(true);
  });
  it('marks a secret read', () => {
    expect(trackSecrets(() => evalCondition("pw == 'hunter2'", scope)).secret).toBe(true);
    expect(trackSecrets(() => evalCondition('n == 5', scope)).secret).toBe(false);
  });
  it('never reaches the prototype', () => {
    expect(ev('d.constructor is defined')).toBe(false);
    expect(ev("d['__proto__'] is defined")).toBe(false);
    expect(() => ev('s.constructor(1)')).toThrow(/no method 'constructor'/);
  });
});

const REF = { file: 'play.yml', line: 7, col: 11 };

// [text, code, line, col, message fragment, hint fragment]
const SYNTAX: Array<[string, string, number, number, string, string?]> = [
  ['a.b ==', 'E_EXPR_SYNTAX', 7, 17, 'unexpected end of expression'],
  ['a = 1', 'E_EXPR_SYNTAX', 7, 13, "unexpected character '='", 'use =='],
  ['(a and b', 'E_EXPR_SYNTAX', 7, 19, "expected ')'", "to close '(' at column 11"],
  ['x | lenght', 'E_EXPR_SYNTAX', 7, 15, "unknown filter 'lenght'", "did you mean 'length'"],
  ['x is defind', 'E_EXPR_SYNTAX', 7, 16, "unknown test 'defind'", "did you mean 'defined'"],
  ["'abc", 'E_EXPR_SYNTAX', 7, 11, 'unterminated string'],
  ['a && b', 'E_EXPR_SYNTAX', 7, 13, "unexpected character '&'", "'and'"],
  ['a || b', 'E_EXPR_SYNTAX', 7, 14, "expected a filter name after '|'", "'or'"],
  ['foo(1)', 'E_EXPR_SYNTAX', 7, 14, 'calling functions is not supported'],
  ['{{ x }}', 'E_EXPR_SYNTAX', 7, 11, 'template delimiters', 'bare expressions'],
  ['', 'E_EXPR_SYNTAX', 7, 11, 'empty expression'],
  ['a b', 'E_EXPR_SYNTAX', 7, 13, "unexpected 'b'", 'missing operator'],
  ['[1, 2', 'E_EXPR_SYNTAX', 7, 16, "expected ']'"],
  ['a and\n  ==', 'E_EXPR_SYNTAX', 8, 13, "unexpected '=='"],
  ['x is', 'E_EXPR_SYNTAX', 7, 15, "expected a test name after 'is'"],
  ['not', 'E_EXPR_SYNTAX', 7, 14, 'unexpected end of expression'],
  ['3abc', 'E_EXPR_SYNTAX', 7, 11, "invalid number '3a'"],
  ["{'a' 1}", 'E_EXPR_SYNTAX', 7, 16, "expected ':'"],
];

describe('syntax errors carry the exact column inside the YAML value', () => {
  it.each(SYNTAX)('%j', (text, code, line, col, msg, hint) => {
    const d = diagOf(() => parseExpr(text, REF));
    expect(d.code).toBe(code);
    expect(d.ref).toMatchObject({ file: 'play.yml', line, col });
    expect(d.message).toContain(msg);
    if (hint) expect(d.hint).toContain(hint);
    expect(checkExpr(text, REF)).toEqual([d]);
  });
  it('checkExpr is empty for a good expression', () => {
    expect(checkExpr("a.b == 'x' and 'pi' in group_names", REF)).toEqual([]);
  });
});

// [text, code, col, message fragment]
const RUNTIME: Array<[string, string, number, string]> = [
  ['zz == 1', 'E_EXPR_UNDEFINED', 11, "'zz' is undefined"],
  ['n == 1 or a.zz == 2', 'E_EXPR_UNDEFINED', 21, "'a.zz' is undefined"],
  ["a['q'].r", 'E_EXPR_UNDEFINED', 11, "'a['q']' is undefined"],
  ['zz | length', 'E_EXPR_UNDEFINED', 11, "'zz' is undefined"],
  ['s + 1', 'E_EXPR_EVAL', 11, 'cannot add str and int'],
  ["n < 'a'", 'E_EXPR_EVAL', 11, 'cannot compare int with str'],
  ['1 / 0', 'E_EXPR_EVAL', 11, 'division by zero'],
  ["n.startswith('a')", 'E_EXPR_EVAL', 11, "int has no method 'startswith'"],
  ['n is failed', 'E_EXPR_EVAL', 11, "'is failed' needs a registered task result"],
  ["t and s | regex_search('(')", 'E_EXPR_EVAL', 17, 'invalid regular expression'],
  ['1 in n', 'E_EXPR_EVAL', 11, "'in' needs a string, list or dict"],
];

describe('evaluation errors name what failed and where', () => {
  it.each(RUNTIME)('%s', (text, code, col, msg) => {
    const d = diagOf(() => evalExpr(parseExpr(text, REF), scope));
    expect(d.code).toBe(code);
    expect(d.ref).toMatchObject({ line: 7, col });
    expect(d.message).toContain(msg);
  });
  it('an undefined name hints at the guards', () => {
    const d = diagOf(() => evalCondition('missing_var', scope, REF));
    expect(d.hint).toContain("missing_var is defined");
  });
});
