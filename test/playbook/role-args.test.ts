import { describe, expect, it } from 'vitest';
import { checkRoleArguments, convertArgument } from '../../src/playbook/role-args.js';
import type { ArgumentOption, Role } from '../../src/playbook/types.js';

const ref = { file: 'meta/argument_specs.yml', line: 1, col: 1 };
const opt = (o: Partial<ArgumentOption>): ArgumentOption => ({ ref, ...o });
const role = (options: Record<string, ArgumentOption>, defaults: Record<string, unknown> = {}): Role => ({
  name: 'r', dir: '/r', ref, defaults, vars: {}, tasks: [], handlers: [], dependencies: [], argumentSpecs: { options, ref },
});
const codes = (r: Role, v: Record<string, unknown>, partial = false) => checkRoleArguments(r, v, { partial }).map((d) => d.message);

describe('checkRoleArguments', () => {
  it('converts leniently like Ansible', () => {
    expect(convertArgument('8', 'int')).toEqual({ ok: true, value: 8 });
    expect(convertArgument('8.5', 'int')).toEqual({ ok: false });
    expect(convertArgument('yes', 'bool')).toEqual({ ok: true, value: true });
    expect(convertArgument('a, b', 'list')).toEqual({ ok: true, value: ['a', 'b'] });
    expect(convertArgument(5, 'str')).toEqual({ ok: true, value: '5' });
    expect(convertArgument([1], 'str')).toEqual({ ok: false });
    expect(convertArgument('{"a":1}', 'dict')).toEqual({ ok: true, value: { a: 1 } });
    expect(convertArgument('1e3', 'float')).toEqual({ ok: true, value: 1000 });
  });
  it('requires required options unless defaulted or partial', () => {
    const r = role({ port: opt({ type: 'int', required: true }) });
    expect(codes(r, {})).toEqual(["role r: missing required argument 'port'"]);
    expect(codes(r, {}, true)).toEqual([]);
    expect(codes(role({ port: opt({ type: 'int', required: true }) }, { port: 1 }), {})).toEqual([]);
  });
  it('checks types, choices, elements and nested options', () => {
    const r = role({
      port: opt({ type: 'int' }),
      mode: opt({ type: 'str', choices: ['a', 'b'] }),
      names: opt({ type: 'list', elements: 'int' }),
      server: opt({ type: 'dict', options: { host: opt({ type: 'str', required: true }), tls: opt({ type: 'bool' }) } }),
    });
    expect(codes(r, { port: '80', mode: 'a', names: [1, '2'], server: { host: 'h', tls: 'no' } })).toEqual([]);
    expect(codes(r, { port: 'x', mode: 'c', names: [1, 'z'], server: { tls: 'maybe', extra: 1 } })).toEqual([
      "role r: argument 'port' must be of type int, not \"x\"",
      "role r: argument 'mode' must be one of a, b, not \"c\"",
      "role r: element 2 of 'names' must be of type int, not \"z\"",
      "role r: missing required argument 'server.host'",
      "role r: argument 'server.tls' must be of type bool, not \"maybe\"",
      "role r: unknown option 'server.extra'",
    ]);
  });
  it('leaves templated values to run time', () => {
    expect(codes(role({ port: opt({ type: 'int' }) }), { port: '{{ p }}' })).toEqual([]);
  });
});
