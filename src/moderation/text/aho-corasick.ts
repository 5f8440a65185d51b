/**
 * Aho–Corasick multi-pattern matcher over UTF-16 code units: one pass over the
 * text finds every occurrence of every pattern, so lexicon size does not change
 * per-call latency.
 */

interface Node {
  next: Map<number, number>;
  fail: number;
  /** Pattern ids ending here, including those inherited through failure links. */
  out: number[];
}

export interface Occurrence {
  pattern: number;
  /** Start (inclusive) and end (exclusive) in the searched string. */
  start: number;
  end: number;
}

export class AhoCorasick {
  private readonly nodes: Node[] = [{ next: new Map(), fail: 0, out: [] }];
  private readonly lengths: number[];

  constructor(patterns: readonly string[]) {
    this.lengths = patterns.map((p) => p.length);
    patterns.forEach((p, id) => {
      if (p.length === 0) return;
      let cur = 0;
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        let nxt = this.nodes[cur]!.next.get(c);
        if (nxt === undefined) {
          nxt = this.nodes.length;
          this.nodes.push({ next: new Map(), fail: 0, out: [] });
          this.nodes[cur]!.next.set(c, nxt);
        }
        cur = nxt;
      }
      this.nodes[cur]!.out.push(id);
    });
    this.link();
  }

  private link(): void {
    const queue: number[] = [];
    for (const child of this.nodes[0]!.next.values()) queue.push(child);
    for (let qi = 0; qi < queue.length; qi++) {
      const u = queue[qi]!;
      const node = this.nodes[u]!;
      for (const [c, v] of node.next) {
        let f = node.fail;
        while (f !== 0 && !this.nodes[f]!.next.has(c)) f = this.nodes[f]!.fail;
        const target = this.nodes[f]!.next.get(c);
        const vNode = this.nodes[v]!;
        vNode.fail = target !== undefined && target !== v ? target : 0;
        vNode.out.push(...this.nodes[vNode.fail]!.out);
        queue.push(v);
      }
    }
  }

  search(text: string): Occurrence[] {
    const found: Occurrence[] = [];
    let cur = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      while (cur !== 0 && !this.nodes[cur]!.next.has(c)) cur = this.nodes[cur]!.fail;
      cur = this.nodes[cur]!.next.get(c) ?? 0;
      for (const id of this.nodes[cur]!.out) {
        found.push({ pattern: id, start: i + 1 - this.lengths[id]!, end: i + 1 });
      }
    }
    return found;
  }
}
