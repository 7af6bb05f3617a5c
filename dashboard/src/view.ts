/**
 * Rendering: four tables built with DOM calls (text only: names and URIs on chain are
 * anyone's input, never HTML). Every number cell carries its exact value in `data-raw`
 * (base units, ids, gas) next to the formatted text, and every row its key, so that tests
 * and scripts read the page without parsing display formats.
 */
import type { BatchRow, ChainSnapshot, DeviceRow, ProjectRow, ProverRow } from "./chain";
import {
  MISSING,
  amount,
  clockTime,
  duration,
  integer,
  percent,
  shortAddress,
  type TokenInfo,
} from "./format";

export interface DeviceExtras {
  /** From the sequencer: last accepted reading (device clock) and readings accepted. */
  lastTimestamp?: number | null;
  accepted?: number;
  /** From the replay of settled batches: settled units and accrued rewards. */
  units?: bigint;
  accrued?: bigint;
}

export interface PageData {
  chain: ChainSnapshot;
  devices: Map<string, DeviceExtras>;
  proveMs: Map<bigint, number>;
}

interface Cell {
  field: string;
  text: string;
  raw?: string;
  title?: string;
  className?: string;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function table(headers: string[], rows: HTMLTableRowElement[], empty: string): HTMLElement {
  if (rows.length === 0) return el("p", { class: "empty" }, [empty]);
  const first = rows[0].children;
  // Headers of number columns align with their numbers.
  const th = (h: string, i: number) =>
    el("th", first[i]?.classList.contains("num") ? { class: "num" } : {}, [h]);
  return el("table", {}, [el("thead", {}, [el("tr", {}, headers.map(th))]), el("tbody", {}, rows)]);
}

function row(testid: string, attrs: Record<string, string>, cells: Cell[]): HTMLTableRowElement {
  return el(
    "tr",
    { "data-testid": testid, ...attrs },
    cells.map((c) => {
      const a: Record<string, string> = { "data-field": c.field };
      if (c.raw !== undefined) a["data-raw"] = c.raw;
      if (c.title !== undefined) a.title = c.title;
      if (c.className !== undefined) a.class = c.className;
      return el("td", a, [c.text]);
    }),
  );
}

const addressCell = (field: string, address: string): Cell => ({
  field,
  text: shortAddress(address),
  raw: address,
  title: address,
  className: "mono",
});

const amountCell = (field: string, value: bigint | undefined, token: TokenInfo | undefined): Cell =>
  value === undefined
    ? { field, text: MISSING, className: "num" }
    : { field, text: amount(value, token), raw: value.toString(), className: "num" };

function projectRows(projects: ProjectRow[]): HTMLTableRowElement[] {
  return projects.map((p) =>
    row("project-row", { "data-project-id": p.projectId.toString() }, [
      { field: "id", text: p.projectId.toString(), raw: p.projectId.toString() },
      { field: "name", text: p.name + (p.paused ? " (paused)" : "") },
      addressCell("owner", p.owner),
      { field: "devices", text: integer(p.devices), raw: p.devices.toString(), className: "num" },
      {
        field: "batches",
        text: `${integer(p.settledThrough)} / ${integer(p.submitted)}`,
        raw: `${p.settledThrough}/${p.submitted}`,
        className: "num",
      },
      amountCell("reward-rate", p.rewardRate, p.rewardToken),
      amountCell("pool-funded", p.pool.funded, p.rewardToken),
      amountCell("pool-owed", p.pool.owed, p.rewardToken),
      amountCell("pool-paid", p.pool.paid, p.rewardToken),
    ]),
  );
}

function deviceRows(data: PageData): HTMLTableRowElement[] {
  const tokens = new Map(data.chain.projects.map((p) => [p.projectId, p.rewardToken]));
  return data.chain.devices.map((d: DeviceRow) => {
    const x = data.devices.get(d.deviceId) ?? {};
    const token = tokens.get(d.projectId);
    const claimable = x.accrued === undefined ? undefined : x.accrued > d.paid ? x.accrued - d.paid : 0n;
    const last =
      x.lastTimestamp === undefined || x.lastTimestamp === null
        ? { field: "last-reading", text: x.lastTimestamp === null ? "none yet" : MISSING }
        : { field: "last-reading", text: clockTime(x.lastTimestamp), raw: String(x.lastTimestamp) };
    return row("device-row", { "data-device-id": d.deviceId, "data-status": d.status }, [
      addressCell("device", d.deviceId),
      { field: "project", text: d.projectId.toString(), raw: d.projectId.toString() },
      { field: "index", text: String(d.index), raw: String(d.index), className: "num" },
      { field: "status", text: d.status, className: `status ${d.status}` },
      last,
      x.accepted === undefined
        ? { field: "accepted", text: MISSING, className: "num" }
        : { field: "accepted", text: integer(x.accepted), raw: String(x.accepted), className: "num" },
      x.units === undefined
        ? { field: "units", text: MISSING, className: "num" }
        : { field: "units", text: integer(x.units), raw: x.units.toString(), className: "num" },
      amountCell("accrued", x.accrued, token),
      amountCell("paid", d.paid, token),
      amountCell("claimable", claimable, token),
    ]);
  });
}

function batchRows(data: PageData): HTMLTableRowElement[] {
  return data.chain.batches.map((b: BatchRow) => {
    const ms = data.proveMs.get(b.batchId);
    return row("batch-row", { "data-batch-id": b.batchId.toString(), "data-status": b.status }, [
      { field: "id", text: b.batchId.toString(), raw: b.batchId.toString() },
      { field: "project", text: `${b.projectId} #${b.sequence}`, raw: `${b.projectId}/${b.sequence}` },
      { field: "status", text: b.status, className: `status ${b.status}` },
      b.status === "voided" ? { field: "prover", text: MISSING } : addressCell("prover", b.prover),
      { field: "messages", text: integer(b.messages), raw: b.messages.toString(), className: "num" },
      b.gasUsed === undefined
        ? { field: "gas", text: MISSING, className: "num" }
        : { field: "gas", text: integer(b.gasUsed), raw: b.gasUsed.toString(), className: "num" },
      ms === undefined
        ? { field: "prove-ms", text: MISSING, className: "num" }
        : { field: "prove-ms", text: duration(ms), raw: String(ms), className: "num" },
    ]);
  });
}

function proverRows(chain: ChainSnapshot): HTMLTableRowElement[] {
  return chain.provers.map((p: ProverRow) =>
    row("prover-row", { "data-prover": p.address }, [
      addressCell("prover", p.address),
      amountCell("stake", p.stake, chain.stakingToken),
      amountCell("unbonding", p.unbonding, chain.stakingToken),
      {
        field: "share",
        text: p.paused
          ? "paused"
          : chain.totalWeight === 0n
            ? MISSING
            : percent(Number((p.weight * 10_000n) / chain.totalWeight) / 10_000),
        raw: p.weight.toString(),
        className: "num",
      },
      { field: "settled", text: integer(p.settled), raw: String(p.settled), className: "num" },
      amountCell("fees", p.fees, chain.feeToken),
      { field: "slashes", text: integer(p.slashes), raw: String(p.slashes), className: "num" },
      amountCell("slashed", p.slashed, chain.stakingToken),
    ]),
  );
}

const MAX_BATCH_ROWS = 200;

export function render(root: Document, data: PageData): void {
  const body = (id: string) => root.querySelector<HTMLElement>(`#${id} .body`)!;
  body("projects").replaceChildren(
    table(
      [
        "id",
        "name",
        "owner",
        "devices",
        "settled / submitted",
        "reward per unit",
        "pool funded",
        "owed",
        "paid",
      ],
      projectRows(data.chain.projects),
      "No project registered yet.",
    ),
  );
  body("devices").replaceChildren(
    table(
      [
        "device",
        "project",
        "index",
        "status",
        "last reading",
        "readings",
        "units",
        "accrued",
        "paid",
        "claimable",
      ],
      deviceRows(data),
      "No device registered yet.",
    ),
  );
  const batches = batchRows(data);
  body("batches").replaceChildren(
    table(
      ["batch", "project #seq", "status", "prover", "messages", "settle gas", "proving time"],
      batches.slice(0, MAX_BATCH_ROWS),
      "No batch submitted yet.",
    ),
    ...(batches.length > MAX_BATCH_ROWS
      ? [el("p", { class: "note" }, [`The latest ${MAX_BATCH_ROWS} of ${batches.length} batches.`])]
      : []),
  );
  body("provers").replaceChildren(
    table(
      [
        "prover",
        "stake",
        "unbonding",
        "selection share",
        "batches settled",
        "fees to withdraw",
        "slashes",
        "slashed",
      ],
      proverRows(data.chain),
      "No prover has staked yet.",
    ),
  );
}

/** The banners above the tables: one per upstream that failed, keyed by `data-kind`. */
export function showBanners(
  root: Document,
  banners: { kind: string; level: "error" | "info"; text: string }[],
): void {
  root
    .querySelector("#banners")!
    .replaceChildren(
      ...banners.map((b) => el("div", { class: `banner ${b.level}`, "data-kind": b.kind }, [b.text])),
    );
}
