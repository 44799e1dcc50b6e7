import type { SourceRef } from '../errors.js';

/** Every node knows its span in the expression text, for error columns. */
interface Span {
  pos: number;
  end: number;
}

export type Node =
  | (Span & { type: 'lit'; value: unknown })
  | (Span & { type: 'name'; name: string })
  | (Span & { type: 'list'; items: Node[] })
  | (Span & { type: 'dict'; entries: Array<[Node, Node]> })
  | (Span & { type: 'attr'; obj: Node; name: string })
  | (Span & { type: 'index'; obj: Node; index: Node })
  | (Span & { type: 'call'; obj: Node; method: string; args: Node[] })
  | (Span & { type: 'not'; arg: Node })
  | (Span & { type: 'neg'; op: '-' | '+'; arg: Node })
  | (Span & { type: 'and' | 'or'; left: Node; right: Node })
  | (Span & { type: 'arith'; op: string; left: Node; right: Node })
  | (Span & { type: 'compare'; first: Node; rest: Array<{ op: string; right: Node; pos: number }> })
  | (Span & { type: 'filter'; arg: Node; name: string; args: Node[]; namePos: number })
  | (Span & { type: 'test'; arg: Node; name: string; args: Node[]; negated: boolean; namePos: number })
  | (Span & { type: 'cond'; test: Node; then: Node; else?: Node });

/** A parsed expression: keep it and evaluate it many times. */
export interface Expr {
  text: string;
  ref?: SourceRef;
  root: Node;
}
