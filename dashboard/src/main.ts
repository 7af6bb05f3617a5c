/**
 * The dashboard page: every DASHBOARD_POLL_MS (2 s) it asks the dashboard server where the
 * kit is, reads the chain at its latest block (`KitReader`), the replayed rewards of each
 * project at that block, the proving times the provers recorded and the sequencer's view
 * of each device, and redraws. An upstream that does not answer gets a banner saying
 * which and why; the tables keep the last good snapshot, marked stale.
 */
import "./style.css";

import {
  ApiFailure,
  fetchConfig,
  fetchProofs,
  fetchRewards,
  fetchSequencerDevice,
  fetchSequencerHealth,
  rpc,
  type DashboardConfig,
  type RewardsResponse,
} from "./api";
import { KitReader, type ChainSnapshot } from "./chain";
import { render, showBanners, type DeviceExtras } from "./view";

interface Banner {
  kind: string;
  level: "error" | "info";
  text: string;
}

/** The sequencer is asked about this many devices at most per refresh. */
const MAX_SEQUENCER_DEVICES = 200;

let reader: KitReader | undefined;
let lastChain: { reader: KitReader; block: number; chain: ChainSnapshot } | undefined;
let lastRewards = new Map<bigint, RewardsResponse>();
let pollMs = 2000;
let live = true;
let refreshing = false;
let timer: ReturnType<typeof setTimeout> | undefined;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function setStale(stale: boolean): void {
  if (stale) document.body.dataset.stale = "1";
  else delete document.body.dataset.stale;
}

async function readChain(config: DashboardConfig, banners: Banner[]): Promise<ChainSnapshot | undefined> {
  let chainId: number;
  let block: number;
  try {
    chainId = Number(await rpc<string>("eth_chainId"));
    block = Number(await rpc<string>("eth_blockNumber"));
  } catch (err) {
    banners.push({ kind: "chain", level: "error", text: `Chain unreachable — ${message(err)}` });
    return undefined;
  }
  if (config.chainId !== null && config.chainId !== chainId) {
    banners.push({
      kind: "chain",
      level: "error",
      text: `Wrong chain — ${config.rpcUrl} is chain ${chainId}, but the addresses (${config.source}) are for chain ${config.chainId}`,
    });
    return undefined;
  }
  if (reader === undefined || !reader.matches(config, chainId) || block < reader.scannedThrough) {
    reader?.destroy();
    reader = new KitReader(config, chainId);
    lastRewards = new Map();
  }
  if (lastChain !== undefined && lastChain.reader === reader && lastChain.block === block)
    return lastChain.chain;
  try {
    const chain = await reader.snapshot(block);
    lastChain = { reader, block, chain };
    return chain;
  } catch (err) {
    banners.push({
      kind: "chain",
      level: "error",
      text: `Chain read failed at block ${block} — ${message(err)}`,
    });
    return undefined;
  }
}

async function readRewards(chain: ChainSnapshot, banners: Banner[]): Promise<Map<bigint, RewardsResponse>> {
  const out = new Map<bigint, RewardsResponse>();
  await Promise.all(
    chain.projects.map(async (p) => {
      const cached = lastRewards.get(p.projectId);
      if (cached !== undefined && cached.block === chain.block) {
        out.set(p.projectId, cached);
        return;
      }
      try {
        out.set(p.projectId, await fetchRewards(p.projectId, chain.block));
      } catch (err) {
        banners.push({
          kind: "rewards",
          level: "error",
          text: `Rewards of project ${p.projectId} unavailable — ${message(err)}`,
        });
      }
    }),
  );
  lastRewards = out;
  return out;
}

async function readSequencer(
  config: DashboardConfig,
  chain: ChainSnapshot,
  extras: Map<string, DeviceExtras>,
  banners: Banner[],
): Promise<void> {
  if (config.sequencerUrl === null) {
    banners.push({
      kind: "sequencer",
      level: "info",
      text: "No sequencer configured (DASHBOARD_SEQUENCER): last readings are not shown.",
    });
    return;
  }
  try {
    const health = await fetchSequencerHealth();
    if (health.status !== "ok") {
      const reasons = (health.reasons ?? []).map((r) => r.message).join("; ");
      banners.push({ kind: "sequencer", level: "error", text: `Sequencer ${health.status} — ${reasons}` });
    }
  } catch (err) {
    banners.push({ kind: "sequencer", level: "error", text: `Sequencer unreachable — ${message(err)}` });
    return;
  }
  await Promise.all(
    chain.devices.slice(0, MAX_SEQUENCER_DEVICES).map(async (d) => {
      try {
        const s = await fetchSequencerDevice(d.deviceId);
        const x = extras.get(d.deviceId)!;
        x.lastTimestamp = s.lastTimestamp === null ? null : Number(s.lastTimestamp);
        x.accepted = s.accepted;
      } catch (err) {
        // A device of a project this sequencer does not serve: nothing to show.
        if (!(err instanceof ApiFailure && err.code === "unknown_device")) throw err;
      }
    }),
  ).catch((err) =>
    banners.push({ kind: "sequencer", level: "error", text: `Sequencer read failed — ${message(err)}` }),
  );
}

async function refresh(): Promise<void> {
  const banners: Banner[] = [];
  let config: DashboardConfig;
  try {
    config = await fetchConfig();
  } catch (err) {
    showBanners(document, [{ kind: "config", level: "error", text: message(err) }]);
    setStale(true);
    return;
  }
  pollMs = config.pollMs;
  document.querySelector("#source")!.textContent =
    `Contracts from ${config.source} · chain at ${config.rpcUrl} · sequencer at ${config.sequencerUrl ?? "—"}`;

  const chain = await readChain(config, banners);
  if (chain === undefined) {
    showBanners(document, banners);
    setStale(true);
    return;
  }
  const extras = new Map<string, DeviceExtras>(chain.devices.map((d) => [d.deviceId, {}]));
  const [rewards, proofs] = await Promise.all([
    readRewards(chain, banners),
    fetchProofs().catch((err) => {
      banners.push({ kind: "proofs", level: "error", text: `Proving times unavailable — ${message(err)}` });
      return undefined;
    }),
    readSequencer(config, chain, extras, banners),
  ]);
  for (const d of chain.devices) {
    const leaf = rewards.get(d.projectId)?.leaves[d.index];
    if (leaf === undefined) continue;
    const x = extras.get(d.deviceId)!;
    x.units = BigInt(leaf.units);
    x.accrued = BigInt(leaf.accrued);
  }
  const proveMs = new Map((proofs?.proofs ?? []).map((p) => [BigInt(p.batchId), p.proveMs]));
  if (proofs !== undefined && !proofs.available)
    banners.push({
      kind: "proofs",
      level: "info",
      text: "Proving times are reported by the demo's prover workers (DASHBOARD_STATUS_FILE); none here.",
    });

  render(document, { chain, devices: extras, proveMs });
  showBanners(document, banners);
  setStale(false);
  const updated = document.querySelector<HTMLElement>("#updated")!;
  updated.dataset.block = String(chain.block);
  updated.textContent =
    `Block #${chain.block} · updated ${new Date().toLocaleTimeString("en-GB", { hour12: false })}` +
    (config.phase !== null ? ` · demo ${config.phase}` : "");
}

async function tick(): Promise<void> {
  timer = undefined;
  if (!live) return;
  refreshing = true;
  try {
    await refresh();
  } catch (err) {
    showBanners(document, [{ kind: "internal", level: "error", text: `Refresh failed — ${message(err)}` }]);
    setStale(true);
  } finally {
    refreshing = false;
  }
  if (live) timer = setTimeout(() => void tick(), pollMs);
  else document.body.dataset.live = "paused";
}

const toggle = document.querySelector<HTMLButtonElement>("#live-toggle")!;
toggle.addEventListener("click", () => {
  live = !live;
  toggle.textContent = live ? "Pause live updates" : "Resume live updates";
  if (live) {
    document.body.dataset.live = "on";
    if (!refreshing && timer === undefined) void tick();
  } else {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    // A refresh in flight finishes first; then the page says it is paused.
    if (!refreshing) document.body.dataset.live = "paused";
  }
});

void tick();
