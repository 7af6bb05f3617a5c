/**
 * npm run coverage → hardhat coverage, then this: the line-coverage gate.
 *
 * ts-node scripts/coverage-check.ts [--min 95] [--min-file 95] [--dir coverage]
 *
 * Reads coverage/coverage-summary.json (istanbul's json-summary reporter, enabled in
 * .solcover.js), or coverage.json (raw istanbul) when the summary is missing, keeps the
 * files under contracts/ that are measured — not contracts/verifiers/generated/,
 * contracts/mocks/ or contracts/test/, the same exclusions as .solcover.js's skipFiles —
 * prints lines, statements, branches and functions per file, and fails when line coverage
 * is below the minimum in total or in any file with executable lines.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const EXCLUDED = ["contracts/verifiers/generated/", "contracts/mocks/", "contracts/test/"];

interface Metric {
  total: number;
  covered: number;
}

interface FileFigures {
  file: string;
  lines: Metric;
  statements: Metric;
  branches: Metric;
  functions: Metric;
}

interface Options {
  min: number;
  minFile: number;
  dir: string;
}

function parseArgs(): Options {
  const argv = process.argv.slice(2);
  const opts: Options = { min: 95, minFile: 95, dir: "coverage" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--min") opts.min = Number(argv[++i]);
    else if (a === "--min-file") opts.minFile = Number(argv[++i]);
    else if (a === "--dir") opts.dir = argv[++i];
    else
      throw new Error(
        `unknown argument ${a}; usage: coverage-check.ts [--min PCT] [--min-file PCT] [--dir DIR]`,
      );
  }
  if (!(opts.min >= 0 && opts.min <= 100) || !(opts.minFile >= 0 && opts.minFile <= 100))
    throw new Error("--min and --min-file are percentages");
  return opts;
}

function relative(file: string): string {
  return path.relative(ROOT, path.resolve(ROOT, file)).split(path.sep).join("/");
}

function measured(file: string): boolean {
  return file.startsWith("contracts/") && !EXCLUDED.some((prefix) => file.startsWith(prefix));
}

type SummaryEntry = Record<"lines" | "statements" | "branches" | "functions", Metric>;

function fromSummary(file: string): FileFigures[] {
  const summary = JSON.parse(readFileSync(file, "utf8")) as Record<string, SummaryEntry>;
  return Object.entries(summary)
    .filter(([key]) => key !== "total")
    .map(([key, e]) => ({
      file: relative(key),
      lines: e.lines,
      statements: e.statements,
      branches: e.branches,
      functions: e.functions,
    }));
}

interface RawEntry {
  path?: string;
  l: Record<string, number>;
  s: Record<string, number>;
  b: Record<string, number[]>;
  f: Record<string, number>;
}

function metric(counts: number[]): Metric {
  return { total: counts.length, covered: counts.filter((n) => n > 0).length };
}

function fromRaw(file: string): FileFigures[] {
  const raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, RawEntry>;
  return Object.entries(raw).map(([key, e]) => ({
    file: relative(e.path ?? key),
    lines: metric(Object.values(e.l)),
    statements: metric(Object.values(e.s)),
    branches: metric(Object.values(e.b).flat()),
    functions: metric(Object.values(e.f)),
  }));
}

function pct(m: Metric): number {
  return m.total === 0 ? 100 : (100 * m.covered) / m.total;
}

function cell(m: Metric): string {
  return `${pct(m).toFixed(2).padStart(6)}% ${`${m.covered}/${m.total}`.padStart(9)}`;
}

function sum(files: FileFigures[], key: "lines" | "statements" | "branches" | "functions"): Metric {
  return files.reduce(
    (acc, f) => ({ total: acc.total + f[key].total, covered: acc.covered + f[key].covered }),
    {
      total: 0,
      covered: 0,
    },
  );
}

function main(): void {
  const opts = parseArgs();
  const summaryFile = path.join(ROOT, opts.dir, "coverage-summary.json");
  const rawFile = path.join(ROOT, "coverage.json");
  let all: FileFigures[];
  if (existsSync(summaryFile)) all = fromSummary(summaryFile);
  else if (existsSync(rawFile)) all = fromRaw(rawFile);
  else {
    console.error(
      `no coverage data: neither ${relative(summaryFile)} nor coverage.json; run hardhat coverage first`,
    );
    process.exit(2);
  }

  const files = all.filter((f) => measured(f.file)).sort((a, b) => a.file.localeCompare(b.file));
  if (files.length === 0) {
    console.error("no measured contract in the coverage data");
    process.exit(2);
  }
  const width = Math.max(...files.map((f) => f.file.length), "total".length);
  console.log(
    `${"file".padEnd(width)}  ${"lines".padStart(17)}  ${"statements".padStart(17)}  ` +
      `${"branches".padStart(17)}  ${"functions".padStart(17)}`,
  );
  const failing: string[] = [];
  for (const f of files) {
    const low = f.lines.total > 0 && pct(f.lines) < opts.minFile;
    if (low) failing.push(`${f.file}: lines ${pct(f.lines).toFixed(2)}% < ${opts.minFile}%`);
    console.log(
      `${f.file.padEnd(width)}  ${cell(f.lines)}  ${cell(f.statements)}  ${cell(f.branches)}  ${cell(f.functions)}` +
        (low ? "  ← below" : ""),
    );
  }
  const total = { lines: sum(files, "lines"), statements: sum(files, "statements") };
  console.log(
    `${"total".padEnd(width)}  ${cell(total.lines)}  ${cell(total.statements)}  ` +
      `${cell(sum(files, "branches"))}  ${cell(sum(files, "functions"))}`,
  );
  if (pct(total.lines) < opts.min)
    failing.unshift(`total: lines ${pct(total.lines).toFixed(2)}% < ${opts.min}%`);
  if (failing.length > 0) {
    console.error(`\ncoverage gate failed (excluded: ${EXCLUDED.join(", ")}):`);
    for (const line of failing) console.error(`  ${line}`);
    process.exit(1);
  }
  console.log(
    `\ncoverage gate passed: lines ${pct(total.lines).toFixed(2)}% ≥ ${opts.min}% (each file ≥ ${opts.minFile}%)`,
  );
}

main();
