/**
 * npm run smt [-- --query-timeout 30] [--whole] [--only NAME]… [--out docs/smt-report.md]
 *
 * Runs solc's SMTChecker (CHC engine) over the reward and staking contracts and writes a
 * report of the verification targets proven and not proven per contract.
 *
 * The npm `solc` package (the project's compiler, tasks/toolchain.ts) has no SMT solver
 * inside for CHC, so solc is run with `solvers: ["smtlib2"]` and answers its Horn queries
 * through the SMT callback with an external z3 (Debian: `apt-get install -y z3`), with the
 * z3 options solc-js's own `solc/smtsolver` uses and a per-query time limit.
 *
 * Checked: every target solc 0.8.28 offers that applies here — underflow, overflow,
 * divByZero, assert, popEmptyArray, outOfBounds (not `constantCondition`, which is about
 * style, nor `balance`, as no contract here holds ether).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const solc = require("solc") as {
  version(): string;
  compile(
    input: string,
    callbacks: Record<string, (arg: string) => { contents?: string; error?: string }>,
  ): string;
};

const ROOT = path.resolve(__dirname, "..");

/**
 * What the SMTChecker analyses (imports are compiled, not analysed). By default the harnesses
 * in contracts/test/smt/, which reproduce RewardDistributor's and ProverPool's reward and
 * stake arithmetic with their invariants as `assert`s: CHC proves those over every sequence
 * of calls in a few minutes. `--whole` adds the two deployed contracts as they are: slow
 * (about ten minutes each) and mostly unproved, since solc 0.8.28's SMTChecker does not
 * model `revert CustomError()` and so does not see the contracts' guards.
 */
const MODELS: Record<string, string> = {
  RewardAccountingModel: "contracts/test/smt/RewardAccountingModel.sol",
  StakeAccountingModel: "contracts/test/smt/StakeAccountingModel.sol",
};
const WHOLE: Record<string, string> = {
  RewardDistributor: "contracts/incentives/RewardDistributor.sol",
  ProverPool: "contracts/staking/ProverPool.sol",
};
const CONTRACTS: Record<string, string> = { ...MODELS, ...WHOLE };

const TARGETS = ["underflow", "overflow", "divByZero", "assert", "popEmptyArray", "outOfBounds"] as const;

/** solc-js's `solc/smtsolver` z3 options for CHC (spacer) queries. */
const Z3_OPTIONS = [
  "-smt2",
  "rlimit=20000000",
  "rewriter.pull_cheap_ite=true",
  "fp.spacer.q3.use_qgen=true",
  "fp.spacer.mbqi=false",
  "fp.spacer.ground_pobs=false",
];

interface Options {
  queryTimeoutSec: number;
  whole: boolean;
  only: string[];
  out: string;
}

function parseArgs(): Options {
  const argv = process.argv.slice(2);
  const opts: Options = { queryTimeoutSec: 30, whole: false, only: [], out: "docs/smt-report.md" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--query-timeout") opts.queryTimeoutSec = Number(argv[++i]);
    else if (a === "--only") opts.only.push(argv[++i]);
    else if (a === "--whole") opts.whole = true;
    else if (a === "--out") opts.out = argv[++i];
    else
      throw new Error(
        `unknown argument ${a}; usage: smt.ts [--query-timeout S] [--whole] [--only NAME]… [--out FILE]`,
      );
  }
  for (const name of opts.only) if (!(name in CONTRACTS)) throw new Error(`unknown contract ${name}`);
  if (!(opts.queryTimeoutSec > 0)) throw new Error("--query-timeout must be a positive number of seconds");
  return opts;
}

/** Every source as compiled (the report quotes these, not the files as they are later). */
const SOURCES = new Map<string, string>();

/** Finds an import in the repository or in node_modules, as Hardhat does. */
function findImport(importPath: string): { contents?: string; error?: string } {
  const known = SOURCES.get(importPath);
  if (known !== undefined) return { contents: known };
  for (const candidate of [path.join(ROOT, importPath), path.join(ROOT, "node_modules", importPath)]) {
    if (existsSync(candidate)) {
      const contents = readFileSync(candidate, "utf8");
      SOURCES.set(importPath, contents);
      return { contents };
    }
  }
  return { error: `file not found: ${importPath}` };
}

interface SolverStats {
  queries: number;
  timeouts: number;
  seconds: number;
}

function z3Solver(
  timeoutSec: number,
  stats: SolverStats,
): (query: string) => { contents?: string; error?: string } {
  return (query: string) => {
    const start = performance.now();
    const run = spawnSync("z3", [...Z3_OPTIONS, `-T:${timeoutSec}`, "-in"], {
      input: query,
      encoding: "utf8",
      maxBuffer: 1 << 30,
    });
    stats.queries++;
    const dump = process.env.SMT_DUMP_DIR;
    if (dump !== undefined && dump !== "") {
      mkdirSync(dump, { recursive: true });
      writeFileSync(path.join(dump, `q${stats.queries}.smt2`), query);
      writeFileSync(path.join(dump, `q${stats.queries}.out`), `${run.status}\n${run.stdout}\n${run.stderr}`);
    }
    stats.seconds += (performance.now() - start) / 1000;
    if (run.error !== undefined) return { error: `z3: ${run.error.message}` };
    const out = run.stdout ?? "";
    // z3 exits non-zero when asked for a model of an unsat query; its stdout still answers.
    if (/^(sat|unsat|unknown|\(error|error)/.test(out)) return { contents: out };
    if (/timeout/.test(out) || run.status !== 0) {
      stats.timeouts++;
      return { contents: "unknown\n" };
    }
    return { error: `z3: unexpected output: ${out.slice(0, 200)}` };
  };
}

interface SolcError {
  severity: "error" | "warning" | "info";
  errorCode?: string;
  message: string;
  formattedMessage?: string;
  sourceLocation?: { file: string; start: number; end: number };
}

type Status = "proved" | "unproved" | "violated" | "unsupported" | "other";

interface Finding {
  file: string;
  line: number;
  status: Status;
  what: string;
  snippet: string;
  /** The counterexample and transaction trace, for a violated target. */
  trace: string;
}

function classify(message: string): Status {
  if (/is safe!?/.test(message) || /proved safe/.test(message)) return "proved";
  if (/happens here/.test(message)) return "violated";
  if (/might happen here|could not be proved|might be violated/.test(message)) return "unproved";
  if (/unsupported|not supported/i.test(message)) return "unsupported";
  return "other";
}

/** solc's source locations are byte offsets into the UTF-8 text. */
function lineOf(source: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < source.length; i++) if (source[i] === 10) line++;
  return line;
}

function findings(errors: SolcError[], sources: Map<string, string>): Finding[] {
  const out: Finding[] = [];
  for (const e of errors) {
    if (!/CHC|BMC|SMTChecker|Model checker|model checker/.test(e.message)) continue;
    const loc = e.sourceLocation;
    const text = loc === undefined ? undefined : sources.get(loc.file);
    const source = text === undefined ? undefined : Buffer.from(text, "utf8");
    const line = loc !== undefined && source !== undefined ? lineOf(source, loc.start) : 0;
    const snippet =
      loc !== undefined && source !== undefined
        ? source
            .subarray(loc.start, Math.min(loc.end, loc.start + 80))
            .toString("utf8")
            .replace(/\s+/g, " ")
        : "";
    out.push({
      file: loc?.file ?? "(global)",
      line,
      status: classify(e.message),
      what: e.message.split("\n")[0],
      snippet,
      trace: e.message.split("\n").slice(1).join("\n").trim(),
    });
  }
  return out;
}

interface Run {
  contract: string;
  file: string;
  seconds: number;
  stats: SolverStats;
  findings: Finding[];
  errors: string[];
}

function check(contract: string, opts: Options): Run {
  const file = CONTRACTS[contract];
  const input = {
    language: "Solidity",
    sources: { [file]: { content: findImport(file).contents ?? "" } },
    settings: {
      optimizer: { enabled: false },
      evmVersion: "cancun",
      outputSelection: { "*": { "": [] } },
      modelChecker: {
        engine: "chc",
        contracts: { [file]: [contract] },
        targets: TARGETS,
        solvers: ["smtlib2"],
        timeout: opts.queryTimeoutSec * 1000,
        showProvedSafe: true,
        showUnproved: true,
        showUnsupported: true,
        // External calls go to the project's own ERC-20s, registries and verifiers.
        extCalls: "untrusted",
      },
    },
  };
  const stats: SolverStats = { queries: 0, timeouts: 0, seconds: 0 };
  const start = performance.now();
  const output = JSON.parse(
    solc.compile(JSON.stringify(input), {
      import: findImport,
      smtSolver: z3Solver(opts.queryTimeoutSec, stats),
    }),
  ) as { errors?: SolcError[]; sources?: Record<string, unknown> };
  const seconds = (performance.now() - start) / 1000;
  const errors = output.errors ?? [];
  return {
    contract,
    file,
    seconds,
    stats,
    findings: findings(errors, SOURCES),
    errors: errors.filter((e) => e.severity === "error").map((e) => e.formattedMessage ?? e.message),
  };
}

function count(run: Run, status: Status): number {
  return run.findings.filter((f) => f.status === status).length;
}

function report(runs: Run[], opts: Options, totalSeconds: number): string {
  const lines: string[] = [
    "# SMTChecker report",
    "",
    `Generated by \`npm run smt\` (scripts/smt.ts): solc ${solc.version()}, CHC engine, ` +
      `z3 via the smtlib2 callback, ${opts.queryTimeoutSec} s per query. ` +
      `Targets: ${TARGETS.join(", ")}. Total ${totalSeconds.toFixed(0)} s.`,
    "",
    "proved: solc reports the check safe in every reachable state (CHC: over every sequence of " +
      "calls); unproved: the solver timed out or answered unknown; violated: a reachable " +
      "counterexample. The harnesses in contracts/test/smt/ copy the contracts' reward and stake " +
      "formulas and state their invariants as `assert`s (see their NatSpec); the whole contracts, " +
      "when included (`--whole`), are checked as deployed, but solc 0.8.28's SMTChecker does not " +
      "model `revert CustomError()`, so their guards are invisible to it and most of their " +
      "targets stay unproved.",
    "",
    "| contract | proved | unproved | violated | unsupported | queries (timeouts) | time |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of runs) {
    lines.push(
      `| ${r.contract} | ${count(r, "proved")} | ${count(r, "unproved")} | ${count(r, "violated")} | ` +
        `${count(r, "unsupported")} | ${r.stats.queries} (${r.stats.timeouts}) | ${r.seconds.toFixed(0)} s |`,
    );
  }
  for (const r of runs) {
    lines.push("", `## ${r.contract} (${r.file})`, "");
    if (r.errors.length > 0) lines.push("Compiler errors:", "", "```", ...r.errors, "```", "");
    if (r.findings.length === 0) lines.push("No model-checker output.");
    for (const status of ["violated", "unproved", "unsupported", "other", "proved"] as const) {
      const list = r.findings.filter((f) => f.status === status);
      if (list.length === 0) continue;
      lines.push(`### ${status} (${list.length})`, "");
      for (const f of list) {
        lines.push(`- \`${f.file}:${f.line}\` ${f.what}${f.snippet ? ` — \`${f.snippet}\`` : ""}`);
        if (status === "violated" && f.trace !== "")
          lines.push("", "  ```", ...f.trace.split("\n").map((l) => `  ${l}`), "  ```", "");
      }
      lines.push("");
    }
  }
  return lines.join("\n").replace(/\n+$/, "") + "\n";
}

async function main(): Promise<void> {
  const opts = parseArgs();
  const z3 = spawnSync("z3", ["--version"], { encoding: "utf8" });
  if (z3.error !== undefined || z3.status !== 0) {
    console.error("z3 not found: install it (Debian/Ubuntu: apt-get install -y z3) and run again");
    process.exit(2);
  }
  console.log(`solc ${solc.version()}, ${z3.stdout.trim()}`);
  const names = opts.only.length > 0 ? opts.only : Object.keys(opts.whole ? CONTRACTS : MODELS);
  const start = performance.now();
  const runs: Run[] = [];
  for (const name of names) {
    console.log(`checking ${name}…`);
    const run = check(name, opts);
    console.log(
      `  ${name}: ${count(run, "proved")} proved, ${count(run, "unproved")} unproved, ` +
        `${count(run, "violated")} violated, ${run.stats.queries} queries, ${run.seconds.toFixed(0)} s`,
    );
    runs.push(run);
  }
  const text = report(runs, opts, (performance.now() - start) / 1000);
  const out = path.resolve(ROOT, opts.out);
  mkdirSync(path.dirname(out), { recursive: true });
  // Formatted as the repository's other Markdown (`npm run format:check` covers docs/).
  const options = (await prettier.resolveConfig(out)) ?? {};
  writeFileSync(out, await prettier.format(text, { ...options, filepath: out }));
  console.log(`report: ${path.relative(ROOT, out)}`);
  // The harnesses must be proved in full; the whole contracts are reported, not gated.
  const failed = runs.filter(
    (r) =>
      r.errors.length > 0 || (r.contract in MODELS && (count(r, "violated") > 0 || count(r, "unproved") > 0)),
  );
  if (failed.length > 0) {
    console.error(`not proved in full: ${failed.map((r) => r.contract).join(", ")}`);
    process.exit(1);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
