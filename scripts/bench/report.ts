/**
 * From the bench's measurements (bench/details.json) to bench/results.json (the issue's
 * keys, numbers only), bench/REPORT.md (our figures beside the anchors', how cost grows)
 * and the charts. Pure functions: `npm run bench -- --report-only` re-renders from
 * details.json, and the test suite checks the committed files are this rendering.
 */
import type { IngestResult } from "../bench-sequencer";
import type { ClaimGas } from "../lib/reward-gas";
import type { RegistrationGas } from "../lib/registry-gas";
import type { SettlementGas } from "../lib/settlement-gas";
import { compact, logChart } from "./svg";
import type { Timing } from "./stats";
import type { ZkBench } from "./zk";

/** JSON of a part: gas figures are numbers there (see scripts/bench/chain.ts). */
type Numbers<T> = T extends bigint
  ? number
  : T extends (infer U)[]
    ? Numbers<U>[]
    : T extends object
      ? { [K in keyof T]: Numbers<T[K]> }
      : T;

export interface DemoSummary {
  wallSeconds: number;
  devices: number;
  seconds: number;
  rate: number;
  sent: number;
  accepted: number;
  batchesSubmitted: number;
  batchesSettled: number;
  messagesSettled: number;
  proveMedianMs: number;
  gasPerMessage: number;
  unexpected: number;
}

export interface EddsaBench {
  oursPerSec: number;
  oursFreshKeyPerSec: number;
  circomlibjsPerSec: number;
  runs: { oursCached: number[]; oursFresh: number[]; circomlibjs: number[] };
}

export interface Details {
  meta: {
    date: string;
    quick: boolean;
    /** Figures this run left out on purpose (the quick run's, or `--omit`), a subset of QUICK_OMITS. */
    omitted?: string[];
    node: string;
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    platform: string;
    /** Wall seconds per part. */
    partSeconds: Record<string, number>;
    /** One-time key setup before the run (not part of the measured run), seconds. */
    setupSeconds: number;
  };
  identity: Numbers<RegistrationGas>;
  settlement: Numbers<SettlementGas>;
  claims: Numbers<ClaimGas>;
  selection: Record<string, number>;
  zk: ZkBench;
  eddsa: EddsaBench;
  ingest: IngestResult;
  demo?: DemoSummary;
}

export const PUBLIC_SIGNALS = 11;
export const GROTH16_FLOOR = 181_000 + 6_150 * PUBLIC_SIGNALS;

/** Keys the quick run leaves out (each needs minutes: PLONK/FFLONK proofs, the demo). */
export const QUICK_OMITS = [
  "gas.verifyPlonk",
  "gas.verifyFflonk",
  "prove.devPlonkMs",
  "prove.devFflonkMs",
  "demo.wallSeconds",
];

export const RESULT_KEYS = [
  "gas.projectRegister",
  "gas.deviceRegisterFirst",
  "gas.deviceRegisterAt1000",
  "gas.deviceRegisterBatch50PerDevice",
  "gas.verifyGroth16",
  "gas.verifyPlonk",
  "gas.verifyFflonk",
  "gas.verifyGroth16Floor",
  "gas.submitBatch",
  "gas.settleGroth16",
  "gas.settlePerMessage64",
  "gas.settlePerMessage256",
  "gas.reassign",
  "gas.claimDepth20",
  "gas.claimManyPerDevice8",
  "gas.claimManyPerDevice64",
  "gas.poseidonT3",
  "gas.selectProver10",
  "gas.selectProver1000",
  "circuit.constraintsDev",
  "circuit.constraintsPerMessageK8D20",
  "prove.devGroth16Ms",
  "prove.devRawSnarkjsMs",
  "prove.devPlonkMs",
  "prove.devFflonkMs",
  "prove.witnessPerSec",
  "eddsa.oursPerSec",
  "eddsa.circomlibjsPerSec",
  "ingest.messagesPerSec",
  "ingest.ackP50Ms",
  "ingest.ackP99Ms",
  "ingest.rssMb",
  "demo.wallSeconds",
] as const;

export type ResultKey = (typeof RESULT_KEYS)[number];
export type Results = Record<string, Record<string, number>>;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The dev circuit's steady-state Groth16 settle: the median of the project's later
 * settlements without an app hook (whether the drawn prover already has an earnings slot
 * moves a settle by a fresh storage write). */
export function steadySettle(d: Details): number {
  const s = d.settlement.settle.filter((x) => x.config === "dev" && x.system === "groth16" && !x.first && !x.hook);
  if (s.length === 0) throw new Error("no steady-state dev settle measured");
  return Math.round(median(s.map((x) => x.gas)));
}

export function flatResults(d: Details): Partial<Record<ResultKey, number>> {
  const settle = steadySettle(d);
  const submit = d.settlement.submit.filter((x) => x.config === "dev" && !x.first);
  const c = d.zk.constraints;
  const r: Partial<Record<ResultKey, number>> = {
    "gas.projectRegister": d.identity.projectFirst,
    "gas.deviceRegisterFirst": d.identity.deviceFirst,
    "gas.deviceRegisterAt1000": d.identity.deviceAt[1000],
    "gas.deviceRegisterBatch50PerDevice": d.identity.batchPerDevice,
    "gas.verifyGroth16": d.settlement.verify.groth16,
    "gas.verifyPlonk": d.settlement.verify.plonk,
    "gas.verifyFflonk": d.settlement.verify.fflonk,
    "gas.verifyGroth16Floor": GROTH16_FLOOR,
    "gas.submitBatch": submit[submit.length - 1]?.gas,
    "gas.settleGroth16": settle,
    "gas.settlePerMessage64": Math.round(settle / 64),
    "gas.settlePerMessage256": Math.round(settle / 256),
    "gas.reassign": d.settlement.reassign,
    "gas.claimDepth20": d.claims.claimFirst,
    "gas.claimManyPerDevice8": d.claims.claimManyPerDevice[8],
    "gas.claimManyPerDevice64": d.claims.claimManyPerDevice[64],
    "gas.poseidonT3": d.claims.poseidonT3,
    "gas.selectProver10": d.selection["10"],
    "gas.selectProver1000": d.selection["1000"],
    "circuit.constraintsDev": c.dev,
    "circuit.constraintsPerMessageK8D20": (c.k8d20x2! - c.k8d20!) / 8,
    "prove.devGroth16Ms": Math.round(d.zk.prove["dev.groth16"].median),
    "prove.devRawSnarkjsMs": Math.round(d.zk.rawSnarkjsDevGroth16.median),
    "prove.devPlonkMs": d.zk.prove["dev.plonk"] && Math.round(d.zk.prove["dev.plonk"].median),
    "prove.devFflonkMs": d.zk.prove["dev.fflonk"] && Math.round(d.zk.prove["dev.fflonk"].median),
    "prove.witnessPerSec": Math.round(d.zk.witness.constraintsPerSec),
    "eddsa.oursPerSec": Math.round(d.eddsa.oursPerSec),
    "eddsa.circomlibjsPerSec": Math.round(d.eddsa.circomlibjsPerSec),
    "ingest.messagesPerSec": Math.round(median(d.ingest.measured.map((m) => m.messagesPerSec))),
    "ingest.ackP50Ms": Math.round(median(d.ingest.measured.map((m) => m.ackP50Ms))),
    "ingest.ackP99Ms": Math.round(median(d.ingest.measured.map((m) => m.ackP99Ms))),
    "ingest.rssMb": Math.round(d.ingest.rssMb),
    "demo.wallSeconds": d.demo && Math.round(d.demo.wallSeconds),
  };
  for (const k of Object.keys(r) as ResultKey[]) if (r[k] === undefined) delete r[k];
  const missing = RESULT_KEYS.filter((k) => r[k] === undefined);
  const allowed = (d.meta.omitted ?? (d.meta.quick ? QUICK_OMITS : [])).filter((k) => QUICK_OMITS.includes(k));
  const unexpected = missing.filter((k) => !allowed.includes(k));
  if (unexpected.length > 0) throw new Error(`measurements missing for ${unexpected.join(", ")}`);
  for (const [k, v] of Object.entries(r))
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${k} is not a finite number: ${v}`);
  return r;
}

/** results.json: `{ gas: { projectRegister: … }, … }`, numbers only. */
export function resultsOf(d: Details): Results {
  const out: Results = {};
  for (const [k, v] of Object.entries(flatResults(d))) {
    const [group, name] = k.split(".");
    (out[group] ??= {})[name] = v as number;
  }
  return out;
}

const n0 = (v: number) => Math.round(v).toLocaleString("en-US");
const s2 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const range = (t: Timing) => `${s2(t.median)} (${s2(t.min)}–${s2(t.max)}, ${t.runs.length} runs)`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)} ×`;

interface Row {
  key: ResultKey;
  what: string;
  ours: string;
  anchor: string;
}

function rows(d: Details, r: Partial<Record<ResultKey, number>>): Row[] {
  const v = (k: ResultKey) => r[k];
  const g = (k: ResultKey) => (v(k) === undefined ? "— (not measured in this run)" : n0(v(k)!));
  const out: Row[] = [
    { key: "gas.projectRegister", what: "ProjectRegistry.register (owner's first project)", ours: g("gas.projectRegister"), anchor: "" },
    { key: "gas.deviceRegisterFirst", what: "DeviceRegistry.register, 1st device (new owner)", ours: g("gas.deviceRegisterFirst"), anchor: "ioID v1 registration ≈ 600,000 (IoTeX); target ≤ 180,000" },
    { key: "gas.deviceRegisterAt1000", what: "DeviceRegistry.register, device #1,000", ours: g("gas.deviceRegisterAt1000"), anchor: "ioID v1 ≈ 600,000; target ≤ 180,000, flat" },
    { key: "gas.deviceRegisterBatch50PerDevice", what: "registerBatch(50), per device", ours: g("gas.deviceRegisterBatch50PerDevice"), anchor: "target ≤ 120,000" },
    { key: "gas.verifyGroth16", what: "Groth16 verifier execution (tiny proof, 11 signals)", ours: g("gas.verifyGroth16"), anchor: `floor ${n0(GROTH16_FLOOR)}: ours ${v("gas.verifyGroth16") ? ratio(v("gas.verifyGroth16")!, GROTH16_FLOOR) : "—"} (target ≤ 1.05 ×)` },
    { key: "gas.verifyPlonk", what: "PLONK verifier execution", ours: g("gas.verifyPlonk"), anchor: "" },
    { key: "gas.verifyFflonk", what: "FFLONK verifier execution", ours: g("gas.verifyFflonk"), anchor: "" },
    { key: "gas.verifyGroth16Floor", what: "Groth16 floor 181,000 + 6,150 × 11", ours: g("gas.verifyGroth16Floor"), anchor: "EIP-1108 pairing and ECMUL/ECADD prices" },
    { key: "gas.submitBatch", what: "submitBatch (dev, later batch)", ours: g("gas.submitBatch"), anchor: "" },
    { key: "gas.settleGroth16", what: "settle, Groth16, dev circuit (steady state)", ours: g("gas.settleGroth16"), anchor: `target ≤ 1.25 × floor = ${n0(1.25 * GROTH16_FLOOR)}; ours ${ratio(v("gas.settleGroth16")!, GROTH16_FLOOR)}` },
    { key: "gas.settlePerMessage64", what: "settle gas per message, capacity 64", ours: g("gas.settlePerMessage64"), anchor: "target ≤ 5,000" },
    { key: "gas.settlePerMessage256", what: "settle gas per message, capacity 256", ours: g("gas.settlePerMessage256"), anchor: "target ≤ 1,250" },
    { key: "gas.reassign", what: "reassign (slash + redraw)", ours: g("gas.reassign"), anchor: "" },
    { key: "gas.claimDepth20", what: "claim at state depth 20 (device's first claim)", ours: g("gas.claimDepth20"), anchor: "Uniswap MerkleDistributor claim 62,000–92,000 (keccak); v1 target ≤ 500,000" },
    { key: "gas.claimManyPerDevice8", what: "claimMany per device, 8 adjacent", ours: g("gas.claimManyPerDevice8"), anchor: "" },
    { key: "gas.claimManyPerDevice64", what: "claimMany per device, 64 adjacent", ours: g("gas.claimManyPerDevice64"), anchor: "" },
    { key: "gas.poseidonT3", what: "Poseidon T3 per hash (generated library)", ours: g("gas.poseidonT3"), anchor: `poseidon-solidity T3 ${n0(d.claims.poseidonSolidityT3)} (same run)` },
    { key: "gas.selectProver10", what: "selectProver execution, 10 provers", ours: g("gas.selectProver10"), anchor: "" },
    { key: "gas.selectProver1000", what: "selectProver execution, 1,000 provers", ours: g("gas.selectProver1000"), anchor: "O(log capacity): same as at 10" },
    { key: "circuit.constraintsDev", what: "dev circuit R1CS constraints (R=1, D=2, K=2, depth 4)", ours: g("circuit.constraintsDev"), anchor: "" },
    { key: "circuit.constraintsPerMessageK8D20", what: "constraints per message, K=8, depth 20", ours: g("circuit.constraintsPerMessageK8D20"), anchor: "target ≤ 6,500" },
    { key: "prove.devGroth16Ms", what: "dev Groth16 proof, ours (ms)", ours: g("prove.devGroth16Ms"), anchor: `snarkjs CLI ${g("prove.devRawSnarkjsMs")} ms (same run)` },
    { key: "prove.devRawSnarkjsMs", what: "dev Groth16, plain `snarkjs groth16 fullprove` (ms)", ours: g("prove.devRawSnarkjsMs"), anchor: "baseline" },
    { key: "prove.devPlonkMs", what: "dev PLONK proof (ms)", ours: g("prove.devPlonkMs"), anchor: "" },
    { key: "prove.devFflonkMs", what: "dev FFLONK proof (ms)", ours: g("prove.devFflonkMs"), anchor: "" },
    { key: "prove.witnessPerSec", what: "witness generation, constraints/s (dev)", ours: g("prove.witnessPerSec"), anchor: "" },
    { key: "eddsa.oursPerSec", what: "EdDSA-Poseidon verifications/s, one core", ours: g("eddsa.oursPerSec"), anchor: `circomlibjs ${g("eddsa.circomlibjsPerSec")} (same run); target ≥ 800` },
    { key: "eddsa.circomlibjsPerSec", what: "circomlibjs verifications/s, same vectors", ours: g("eddsa.circomlibjsPerSec"), anchor: "baseline" },
    { key: "ingest.messagesPerSec", what: "ingestion, messages/s (HTTP, durable, signatures checked)", ours: g("ingest.messagesPerSec"), anchor: "target ≥ 1,500 on 2 cores" },
    { key: "ingest.ackP50Ms", what: `ack latency p50 per request of ${d.ingest.perDevice * d.ingest.devicesPerRequest} (ms)`, ours: g("ingest.ackP50Ms"), anchor: "" },
    { key: "ingest.ackP99Ms", what: "ack latency p99 (ms)", ours: g("ingest.ackP99Ms"), anchor: "" },
    { key: "ingest.rssMb", what: "resident memory at the end of the ingestion run (MiB)", ours: g("ingest.rssMb"), anchor: "" },
    { key: "demo.wallSeconds", what: "`npm run demo` at its defaults, wall (s)", ours: g("demo.wallSeconds"), anchor: "" },
  ];
  return out;
}

function table(head: string[], body: string[][]): string {
  return [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...body.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

const CAPACITIES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

export function charts(d: Details): Record<string, string> {
  const settle = steadySettle(d);
  const tinySettle = d.settlement.settle.find((x) => x.config === "tiny" && x.system === "groth16")!.gas;
  const gasPerMessage = logChart({
    title: "Settle gas per message against batch capacity (Groth16, 11 public signals)",
    xLabel: "batch capacity (messages)",
    yLabel: "gas per message",
    series: [
      { name: "settle ÷ capacity", color: "#1f77b4", points: CAPACITIES.map((c) => [c, settle / c]) },
      { name: "measured (tiny, dev)", color: "#2ca02c", line: false, points: [[1, tinySettle], [4, settle / 4]] },
      { name: "verifier floor ÷ capacity", color: "#7f7f7f", dashed: true, points: CAPACITIES.map((c) => [c, GROTH16_FLOOR / c]) },
    ],
    anchors: [
      { label: "target 5,000 @ 64", x: 64, y: 5000 },
      { label: "target 1,250 @ 256", x: 256, y: 1250 },
    ],
  });
  const sweep = Object.entries(d.zk.prove)
    .filter(([k]) => k.endsWith(".groth16"))
    .map(([, t]): [number, number] => [t.constraints, t.median / 1000]);
  const universal = (system: string, color: string) =>
    d.zk.prove[`dev.${system}`]
      ? [{ name: `${system.toUpperCase()} (dev)`, color, line: false, points: [[d.zk.prove[`dev.${system}`].constraints, d.zk.prove[`dev.${system}`].median / 1000]] as [number, number][] }]
      : [];
  const proving = logChart({
    title: "Proving time against circuit size (witness + proof, 2-core machine)",
    xLabel: "R1CS constraints",
    yLabel: "seconds",
    formatY: (v) => `${+v.toPrecision(3)} s`,
    series: [
      { name: "Groth16 (ours)", color: "#1f77b4", dots: true, points: sweep },
      ...universal("plonk", "#ff7f0e"),
      ...universal("fflonk", "#9467bd"),
    ],
    anchors: [
      { label: "snarkjs CLI, dev", x: d.zk.constraints.dev!, y: d.zk.rawSnarkjsDevGroth16.median / 1000 },
    ],
  });
  return { "gas-per-message.svg": gasPerMessage, "proving-time.svg": proving };
}

export function renderReport(d: Details): string {
  const r = flatResults(d);
  const m = d.meta;
  const settle = steadySettle(d);
  const out: string[] = [];
  out.push(
    "# DePIN Kit benchmark report",
    "",
    `Generated by \`npm run bench${m.quick ? " -- --quick" : ""}\` on ${m.date.slice(0, 10)} (${m.date}). Do not edit: every figure comes from \`details.json\`, measured in that run.`,
    "",
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB.toFixed(0)} GiB memory, ${m.platform}, Node ${m.node}. Machines are noisy: times are medians of several runs after a warm-up, with min and max.`,
    "",
    `Mode: ${m.quick ? `quick (smoke: fewer runs, registration to 1,000 devices; leaves out ${QUICK_OMITS.map((k) => `\`${k}\``).join(", ")})` : m.omitted && m.omitted.length > 0 ? `full, leaving out ${m.omitted.map((k) => `\`${k}\``).join(", ")} (\`--omit\`: not measured in this run)` : "full"}. Run time per part (s): ${Object.entries(m.partSeconds).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ")}; total ${Object.values(m.partSeconds).reduce((a, b) => a + b, 0).toFixed(0)} s${m.setupSeconds > 1 ? `, plus ${m.setupSeconds.toFixed(0)} s of key setup before the run` : ""}.`,
    "",
    "Gas comes from transaction receipts on Hardhat's in-process chain (EDR, Prague rules). \"Execution\" gas is a receipt's `gasUsed` minus the intrinsic cost (21,000 + calldata), for a transaction that calls the function directly; Poseidon per hash is measured inside the EVM by a harness (`gasleft()` around one library call).",
    "",
    "## Figures and anchors",
    "",
    table(
      ["key", "what", "ours", "anchor"],
      rows(d, r).map((row) => [`\`${row.key}\``, row.what, row.ours, row.anchor]),
    ),
    "",
    "## Timings (median, min–max)",
    "",
    table(
      ["measure", "value"],
      [
        ...Object.entries(d.zk.prove).map(([k, t]) => [`proof ${k} (${n0(t.constraints)} constraints), fresh prover process`, range(t)]),
        ["dev Groth16, `snarkjs groth16 fullprove` CLI", range(d.zk.rawSnarkjsDevGroth16)],
        ["dev witness alone (in process)", `${range(d.zk.witness)} → ${n0(d.zk.witness.constraintsPerSec)} constraints/s`],
        ["EdDSA verifications/s, ours (cached key table / fresh key each)", `${n0(d.eddsa.oursPerSec)} / ${n0(d.eddsa.oursFreshKeyPerSec)} (runs ${d.eddsa.runs.oursCached.map(n0).join(", ")})`],
        ["EdDSA verifications/s, circomlibjs", `${n0(d.eddsa.circomlibjsPerSec)} (runs ${d.eddsa.runs.circomlibjs.map(n0).join(", ")})`],
        ...d.ingest.measured.map((x, i) => [
          `ingestion round ${i + 1} (${n0(x.messages)} messages)`,
          `${n0(x.messagesPerSec)} messages/s, ack p50 ${x.ackP50Ms.toFixed(0)} ms, p99 ${x.ackP99Ms.toFixed(0)} ms`,
        ]),
        ...(d.demo
          ? [[
              `demo (${d.demo.devices} devices, ${d.demo.seconds} s at ${d.demo.rate}/s)`,
              `${d.demo.wallSeconds.toFixed(0)} s wall; ${d.demo.accepted} readings accepted, ${d.demo.batchesSettled} batches settled, proving median ${s2(d.demo.proveMedianMs)}, ${n0(d.demo.gasPerMessage)} gas per message (submit + settle, dev batches of 4)`,
            ]]
          : []),
      ],
    ),
    "",
    "Every proof runs in a fresh prover process (as `prover:start` runs it), timed by the caller; the warm-up before the runs is a full proof, except for PLONK and FFLONK on `dev` (1–2 min a proof), where it reads the key and wasm into the page cache — the only thing a warm-up carries over to a fresh process.",
    "",
    `Ingestion: ${d.ingest.devices} devices × ${d.ingest.perDevice} readings per round, ${d.ingest.perDevice * d.ingest.devicesPerRequest} per request, ${d.ingest.concurrency} requests in flight over loopback HTTP, SQLite WAL with group commit before each ack, every signature checked; one warm-up round, then ${d.ingest.measured.length}.`,
    "",
    "## How cost grows",
    "",
    "**Registration against project size** (`DeviceRegistry.register` of the n-th device; the devices in between registered in batches of 50):",
    "",
    table(
      ["devices in the project", "register gas"],
      Object.entries(d.identity.deviceAt)
        .sort((a, b) => Number(a[0]) - Number(b[0]))
        .map(([k, v]) => [n0(Number(k)), n0(v)]),
    ),
    "",
    "The first device pays for the project's counters and the owner's first ioID; after that a registration costs the same at any size (no per-project loops or arrays).",
    "",
    "**Settle gas against batch size.** A Groth16 settlement verifies one proof with 11 public signals whatever the batch holds, so its gas is flat and the cost per message falls as 1/capacity. Measured: `tiny` (capacity 1, the project's first settle) and `dev` (capacity 4, steady state); larger capacities divide the measured dev settle (their circuits, up to `prod` at 256, are compiled for counts but their keys are out of reach here).",
    "",
    table(
      ["capacity", "settle gas", "per message", "verifier floor per message"],
      CAPACITIES.filter((c) => [1, 4, 16, 64, 256, 1024].includes(c)).map((c) => [
        n0(c),
        c === 1 ? `${n0(d.settlement.settle.find((x) => x.config === "tiny" && x.system === "groth16")!.gas)} (tiny, measured)` : c === 4 ? `${n0(settle)} (dev, measured)` : n0(settle),
        n0((c === 1 ? d.settlement.settle.find((x) => x.config === "tiny" && x.system === "groth16")!.gas : settle) / c),
        n0(GROTH16_FLOOR / c),
      ]),
    ),
    "",
    "![settle gas per message](gas-per-message.svg)",
    "",
    "**Proving time against constraints** (Groth16 for every size that has keys here; PLONK and FFLONK on `dev`):",
    "",
    table(
      ["circuit", "constraints", "proof (median, min–max)", "ms per 1k constraints"],
      Object.entries(d.zk.prove)
        .sort((a, b) => a[1].constraints - b[1].constraints || a[0].localeCompare(b[0]))
        .map(([k, t]) => [k, n0(t.constraints), range(t), (t.median / (t.constraints / 1000)).toFixed(1)]),
    ),
    "",
    `Compiled for counts only: \`k8d20\` ${n0(d.zk.constraints.k8d20!)}, \`k8d20x2\` ${n0(d.zk.constraints.k8d20x2!)}, \`prod\` (256 messages, depth 20) ${n0(d.zk.constraints.prod!)} constraints.`,
    "",
    "![proving time against constraints](proving-time.svg)",
    "",
    "## Other measurements of the run",
    "",
    table(
      ["measure", "gas"],
      [
        ...d.settlement.submit.map((s) => [`submitBatch ${s.config}${s.first ? " (project's first)" : ""}`, n0(s.gas)]),
        ...d.settlement.settle.map((s) => [
          `settle ${s.config} ${s.system}${s.first ? " (project's first)" : ""}${s.hook ? " with app hook" : ""}`,
          n0(s.gas),
        ]),
        ["claim, first claim paying an owner new to the token", n0(d.claims.claimFirstNewHolder)],
        ["claim, same device after another batch", n0(d.claims.claimRepeat)],
        ["Poseidon T5 (leaf) per hash / poseidon-solidity T5", `${n0(d.claims.poseidonT5)} / ${n0(d.claims.poseidonSolidityT5)}`],
        ["ProjectRegistry.register, owner's second project", n0(d.identity.projectSecond)],
        ["DeviceRegistry.register, 2nd device / 3rd to a new owner", `${n0(d.identity.deviceSecond)} / ${n0(d.identity.deviceFreshOwner)}`],
        ["DeviceRegistry.register with its ERC-6551 account / createAccount later", `${n0(d.identity.deviceWithAccount)} / ${n0(d.identity.accountCreate)}`],
      ],
    ),
    "",
  );
  return out.join("\n");
}

export { compact };
