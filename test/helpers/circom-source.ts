/**
 * Static views of the circuits for the security tests: the circom sources a main component
 * includes (ours and circomlib's), their templates, which templates a main instantiates,
 * every hint assignment (`<--`, `-->`) in them, the compiled symbols mapped back to
 * (template, signal), and the wires of an R1CS file.
 *
 * Plain text analysis, no circom parser: comments are blanked (line numbers kept), templates
 * are cut at matching braces, components are read from `component x = T(...)`, `x[i] = T(...)`
 * and anonymous `T(...)(...)` instantiations. The tests that use it check that it resolved
 * every compiled component, so a construct it misreads fails loudly instead of hiding.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";

export interface CircomTemplate {
  name: string;
  /** Absolute path of the defining file. */
  file: string;
  line: number;
  /** Source of the body, comments blanked. */
  body: string;
  /** Offset of the body in the (comment-blanked) file. */
  bodyOffset: number;
  /** Named components: name → the templates assigned to it. */
  components: Map<string, Set<string>>;
  /** Templates instantiated here (named or anonymous). */
  calls: Set<string>;
}

export interface CircomSources {
  files: string[];
  templates: Map<string, CircomTemplate>;
  /** The main component's template, when the entry file declares one. */
  main?: string;
}

export interface HintAssignment {
  /** Path relative to the repository root (node_modules/… for circomlib). */
  file: string;
  line: number;
  template: string;
  /** The assigned signal as written, e.g. `out[i]`. */
  target: string;
  /** `Template.signal`, the key the compiled symbols resolve to. */
  key: string;
  statement: string;
}

/** Blanks comments, keeping every newline so offsets map to the same lines. */
export function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (m) => m.replace(/[^\n]/g, " "));
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return i;
  }
  throw new Error(`unbalanced braces from offset ${open}`);
}

function resolveInclude(fromFile: string, spec: string, includeDirs: string[]): string {
  for (const dir of [path.dirname(fromFile), ...includeDirs]) {
    const candidate = path.resolve(dir, spec);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`${fromFile}: cannot resolve include "${spec}"`);
}

const TEMPLATE_RE = /\btemplate\s+(?:(?:parallel|custom)\s+)*([A-Za-z_]\w*)\s*\([^)]*\)\s*\{/g;
const MAIN_RE = /\bcomponent\s+main\b[^=]*=\s*([A-Za-z_]\w*)\s*\(/;

/** Reads `entry` and every file it includes, transitively, and their templates. */
export function loadCircomSources(entry: string, includeDirs: string[]): CircomSources {
  const files: string[] = [];
  const templates = new Map<string, CircomTemplate>();
  const pending = [path.resolve(entry)];
  while (pending.length > 0) {
    const file = pending.shift()!;
    if (files.includes(file)) continue;
    files.push(file);
    const text = stripComments(readFileSync(file, "utf8"));
    for (const m of text.matchAll(/\binclude\s+"([^"]+)"\s*;/g))
      pending.push(resolveInclude(file, m[1], includeDirs));
    for (const m of text.matchAll(TEMPLATE_RE)) {
      const open = m.index! + m[0].length - 1;
      const close = matchingBrace(text, open);
      if (templates.has(m[1])) throw new Error(`template ${m[1]} defined twice`);
      templates.set(m[1], {
        name: m[1],
        file,
        line: lineAt(text, m.index!),
        body: text.slice(open + 1, close),
        bodyOffset: open + 1,
        components: new Map(),
        calls: new Set(),
      });
    }
  }
  const names = new Set(templates.keys());
  for (const t of templates.values()) {
    const declared = new Set<string>();
    for (const m of t.body.matchAll(/\bcomponent\s+([^;=]+)/g))
      for (const part of m[1].split(",")) declared.add(part.trim().replace(/\[.*$/, ""));
    // `name = T(`, `name[i][j] = T(` (also `component name = T(`).
    for (const m of t.body.matchAll(/\b([A-Za-z_]\w*)\s*(?:\[[^\]]*\]\s*)*=\s*([A-Za-z_]\w*)\s*\(/g)) {
      if (!declared.has(m[1]) || !names.has(m[2])) continue;
      if (!t.components.has(m[1])) t.components.set(m[1], new Set());
      t.components.get(m[1])!.add(m[2]);
    }
    // Every call of a template name is an instantiation (named or anonymous).
    for (const m of t.body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) if (names.has(m[1])) t.calls.add(m[1]);
  }
  const entryText = stripComments(readFileSync(path.resolve(entry), "utf8"));
  return { files, templates, main: MAIN_RE.exec(entryText)?.[1] };
}

/** The templates `root` instantiates, transitively (itself included). */
export function reachableTemplates(sources: CircomSources, root: string): Set<string> {
  const seen = new Set<string>();
  const stack = [root];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    const t = sources.templates.get(name);
    if (t === undefined) throw new Error(`unknown template ${name}`);
    seen.add(name);
    stack.push(...t.calls);
  }
  return seen;
}

/** Every `<--` / `-->` in the given templates, with the signal it assigns. */
export function hintAssignments(
  sources: CircomSources,
  templateNames: Iterable<string>,
  root: string,
): HintAssignment[] {
  const out: HintAssignment[] = [];
  for (const name of templateNames) {
    const t = sources.templates.get(name)!;
    const fileText = stripComments(readFileSync(t.file, "utf8"));
    for (const m of t.body.matchAll(/<--|-->/g)) {
      const start = Math.max(t.body.lastIndexOf(";", m.index!), t.body.lastIndexOf("{", m.index!)) + 1;
      const endAt = t.body.indexOf(";", m.index!);
      const statement = t.body.slice(start, endAt).replace(/\s+/g, " ").trim();
      const [left, right] = statement.split(m[0]).map((s) => s.trim());
      const target = m[0] === "<--" ? left.replace(/^signal\s+/, "") : right;
      // A subcomponent's signal (`c.in <-- x`) belongs to the subcomponent's template.
      const dot = /^([A-Za-z_]\w*)(?:\[[^\]]*\])*\.([A-Za-z_]\w*)/.exec(target);
      let key: string;
      if (dot !== null) {
        const sub = [...(t.components.get(dot[1]) ?? [])];
        if (sub.length !== 1) throw new Error(`${name}: cannot resolve component ${dot[1]}`);
        key = `${sub[0]}.${dot[2]}`;
      } else {
        key = `${name}.${target.replace(/\[.*$/, "").trim()}`;
      }
      out.push({
        file: path.relative(root, t.file),
        line: lineAt(fileText, t.bodyOffset + m.index!),
        template: name,
        target,
        key,
        statement,
      });
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

export interface SymbolInstance {
  name: string;
  varIdx: number;
}

export interface ResolvedSymbols {
  /** `Template.signal` → every compiled instance (varIdx -1: removed by the optimiser). */
  byKey: Map<string, SymbolInstance[]>;
  /** Component paths the analysis could not map to a template (should be none). */
  unresolved: string[];
  count: number;
}

/** Maps each symbol of a circom `.sym` file to the template and signal it instantiates. */
export function resolveSymbols(
  symFile: string,
  sources: CircomSources,
  mainTemplate: string,
): ResolvedSymbols {
  const byKey = new Map<string, SymbolInstance[]>();
  const unresolved = new Set<string>();
  const memo = new Map<string, Set<string>>([["main", new Set([mainTemplate])]]);
  const anonymous = /^([A-Za-z_]\w*?)_\d+_\d+$/;

  function templatesOf(prefix: string): Set<string> {
    const cached = memo.get(prefix);
    if (cached !== undefined) return cached;
    const dot = prefix.lastIndexOf(".");
    const parents = templatesOf(prefix.slice(0, dot));
    const segment = prefix.slice(dot + 1).replace(/\[.*$/, "");
    const result = new Set<string>();
    const anon = anonymous.exec(segment);
    if (anon !== null && sources.templates.has(anon[1])) result.add(anon[1]);
    else
      for (const p of parents)
        for (const t of sources.templates.get(p)?.components.get(segment) ?? []) result.add(t);
    if (result.size === 0) unresolved.add(prefix);
    memo.set(prefix, result);
    return result;
  }

  let count = 0;
  for (const line of readFileSync(symFile, "utf8").split("\n")) {
    if (line === "") continue;
    const [, varIdx, , name] = line.split(",");
    const dot = name.lastIndexOf(".");
    const signal = name.slice(dot + 1).replace(/\[.*$/, "");
    for (const t of templatesOf(name.slice(0, dot))) {
      const key = `${t}.${signal}`;
      if (!byKey.has(key)) byKey.set(key, []);
      byKey.get(key)!.push({ name, varIdx: Number(varIdx) });
    }
    count++;
  }
  return { byKey, unresolved: [...unresolved], count };
}

/** Wire ids of one R1CS constraint's A, B and C linear combinations. */
export type R1csConstraint = [number[], number[], number[]];

export interface R1csWires {
  nWires: number;
  nOutputs: number;
  nPubInputs: number;
  nPrvInputs: number;
  constraints: R1csConstraint[];
}

/** Reads the header and the constraints' wire ids of an R1CS file (iden3 binary format v1). */
export function readR1csWires(file: string): R1csWires {
  const b = readFileSync(file);
  if (b.toString("ascii", 0, 4) !== "r1cs" || b.readUInt32LE(4) !== 1)
    throw new Error(`${file}: not R1CS v1`);
  const sections = new Map<number, number>();
  let p = 12;
  for (let i = 0, n = b.readUInt32LE(8); i < n; i++) {
    const size = Number(b.readBigUInt64LE(p + 4));
    sections.set(b.readUInt32LE(p), p + 12);
    p += 12 + size;
  }
  let h = sections.get(1)!;
  const n8 = b.readUInt32LE(h);
  h += 4 + n8;
  const header = {
    nWires: b.readUInt32LE(h),
    nOutputs: b.readUInt32LE(h + 4),
    nPubInputs: b.readUInt32LE(h + 8),
    nPrvInputs: b.readUInt32LE(h + 12),
  };
  const nConstraints = b.readUInt32LE(h + 24);
  let q = sections.get(2)!;
  const lc = () => {
    const terms = b.readUInt32LE(q);
    q += 4;
    const wires: number[] = [];
    for (let i = 0; i < terms; i++) {
      wires.push(b.readUInt32LE(q));
      q += 4 + n8; // wire id, then its coefficient
    }
    return wires;
  };
  const constraints: R1csConstraint[] = [];
  for (let i = 0; i < nConstraints; i++) constraints.push([lc(), lc(), lc()]);
  return { ...header, constraints };
}

/**
 * The stamp src/zk/build.ts writes next to a compiled configuration: a hash of the circuit
 * sources and the circom2 version, and the shape. Equal stamps mean the build is current.
 */
export function buildStamp(
  root: string,
  shape: { R: number; D: number; K: number; depth: number },
  wasm: boolean,
): string {
  const h = createHash("sha256");
  h.update(
    (
      JSON.parse(readFileSync(path.join(root, "node_modules/circom2/package.json"), "utf8")) as {
        version: string;
      }
    ).version,
  );
  for (const dir of ["circuits/src", "circuits/lib"])
    for (const f of readdirSync(path.join(root, dir)).sort())
      if (f.endsWith(".circom")) h.update(readFileSync(path.join(root, dir, f)));
  return `${h.digest("hex")}:${JSON.stringify([shape.R, shape.D, shape.K, shape.depth, wasm])}`;
}
