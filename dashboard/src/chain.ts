/**
 * Reads a DePIN Kit deployment from the browser (ethers v6, the typechain factories of
 * the kit's interfaces) through the dashboard's JSON-RPC proxy, as of one block: events
 * are scanned incrementally (devices, batches, provers, slashes) and every value the page
 * shows is read at that block, so that one snapshot is one consistent state of the chain.
 */
import { Contract, JsonRpcProvider, Network, getAddress, type Log } from "ethers";

import type { IBatchManager } from "../../typechain-types/contracts/interfaces/IBatchManager";
import type { IDeviceRegistry } from "../../typechain-types/contracts/interfaces/IDeviceRegistry";
import type { IProjectRegistry } from "../../typechain-types/contracts/interfaces/IProjectRegistry";
import type { IProverPool } from "../../typechain-types/contracts/interfaces/IProverPool";
import type { IRewardDistributor } from "../../typechain-types/contracts/interfaces/IRewardDistributor";
import { IBatchManager__factory } from "../../typechain-types/factories/contracts/interfaces/IBatchManager__factory";
import { IDeviceRegistry__factory } from "../../typechain-types/factories/contracts/interfaces/IDeviceRegistry__factory";
import { IProjectRegistry__factory } from "../../typechain-types/factories/contracts/interfaces/IProjectRegistry__factory";
import { IProverPool__factory } from "../../typechain-types/factories/contracts/interfaces/IProverPool__factory";
import { IRewardDistributor__factory } from "../../typechain-types/factories/contracts/interfaces/IRewardDistributor__factory";
import type { DashboardConfig } from "./api";
import type { TokenInfo } from "./format";

/** `BatchManager`'s batch status enum. */
export const BATCH_STATUS = ["none", "assigned", "settled", "voided"] as const;
export type BatchStatus = (typeof BATCH_STATUS)[number];

/** Blocks per `eth_getLogs` (public RPCs cap the range). */
const LOG_RANGE = 5_000;
const ZERO = "0x0000000000000000000000000000000000000000";

export interface ProjectRow {
  projectId: bigint;
  name: string;
  owner: string;
  sequencer: string;
  paused: boolean;
  devices: bigint;
  submitted: bigint;
  settledThrough: bigint;
  rewardRate: bigint;
  proverFee: bigint;
  rewardToken?: TokenInfo;
  pool: { funded: bigint; owed: bigint; paid: bigint };
}

export interface DeviceRow {
  deviceId: string;
  projectId: bigint;
  index: number;
  owner: string;
  status: "active" | "revoked";
  paid: bigint;
}

export interface BatchRow {
  batchId: bigint;
  projectId: bigint;
  sequence: bigint;
  messages: bigint;
  status: BatchStatus;
  prover: string;
  settleTx?: string;
  gasUsed?: bigint;
}

export interface ProverRow {
  address: string;
  stake: bigint;
  unbonding: bigint;
  paused: boolean;
  weight: bigint;
  settled: number;
  fees: bigint;
  slashes: number;
  slashed: bigint;
}

export interface ChainSnapshot {
  block: number;
  blockTime: number;
  projects: ProjectRow[];
  devices: DeviceRow[];
  batches: BatchRow[];
  provers: ProverRow[];
  totalWeight: bigint;
  stakingToken?: TokenInfo;
  feeToken?: TokenInfo;
}

interface KnownDevice {
  deviceId: string;
  projectId: bigint;
  index: number;
  owner: string;
  revoked: boolean;
}

interface KnownBatch {
  batchId: bigint;
  projectId: bigint;
  sequence: bigint;
  messages: bigint;
  final?: { status: BatchStatus; prover: string };
  settleTx?: string;
  gasUsed?: bigint;
}

const ERC20_METADATA = [
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
];

export const deviceAddress = (id: bigint) => getAddress("0x" + id.toString(16).padStart(40, "0"));

/** The kit's contracts as one reader; keeps what events it has scanned between refreshes. */
export class KitReader {
  readonly provider: JsonRpcProvider;
  private readonly projectRegistry: IProjectRegistry;
  private readonly deviceRegistry: IDeviceRegistry;
  private readonly pool: IProverPool;
  private readonly manager: IBatchManager;
  private readonly rewards: IRewardDistributor;
  private cursor: number;
  private readonly devices = new Map<string, KnownDevice>();
  private readonly batches = new Map<bigint, KnownBatch>();
  private readonly provers = new Set<string>();
  private readonly slashes = new Map<string, { count: number; amount: bigint }>();
  private readonly settledBy = new Map<string, number>();
  private readonly tokens = new Map<string, Promise<TokenInfo | undefined>>();

  constructor(
    readonly config: DashboardConfig,
    readonly chainId: number,
  ) {
    const network = Network.from(chainId);
    this.provider = new JsonRpcProvider(new URL("/rpc", location.href).href, network, {
      staticNetwork: network,
      batchMaxCount: 50,
    });
    const c = config.contracts;
    this.projectRegistry = IProjectRegistry__factory.connect(c.projectRegistry, this.provider);
    this.deviceRegistry = IDeviceRegistry__factory.connect(c.deviceRegistry, this.provider);
    this.pool = IProverPool__factory.connect(c.proverPool, this.provider);
    this.manager = IBatchManager__factory.connect(c.batchManager, this.provider);
    this.rewards = IRewardDistributor__factory.connect(c.rewardDistributor, this.provider);
    this.cursor = config.fromBlock - 1;
  }

  /** Whether this reader was built for these contracts on this chain. */
  matches(config: DashboardConfig, chainId: number): boolean {
    return (
      chainId === this.chainId &&
      config.fromBlock === this.config.fromBlock &&
      JSON.stringify(config.contracts) === JSON.stringify(this.config.contracts)
    );
  }

  /** Blocks this reader has scanned past (a chain that went back means a new chain). */
  get scannedThrough(): number {
    return this.cursor;
  }

  destroy(): void {
    this.provider.destroy();
  }

  private token(address: string): Promise<TokenInfo | undefined> {
    if (address === ZERO) return Promise.resolve(undefined);
    let info = this.tokens.get(address);
    if (info === undefined) {
      const erc20 = new Contract(address, ERC20_METADATA, this.provider);
      info = Promise.all([erc20.symbol() as Promise<string>, erc20.decimals() as Promise<bigint>])
        .then(([symbol, decimals]) => ({ symbol, decimals: Number(decimals) }))
        .catch(() => undefined); // a token without metadata: amounts in base units
      this.tokens.set(address, info);
    }
    return info;
  }

  private async logs<T extends Log>(query: (from: number, to: number) => Promise<T[]>, to: number) {
    const out: T[] = [];
    for (let from = this.cursor + 1; from <= to; from += LOG_RANGE)
      out.push(...(await query(from, Math.min(to, from + LOG_RANGE - 1))));
    return out;
  }

  /** New events since the last scan, up to `block`. */
  private async scan(block: number): Promise<void> {
    if (block <= this.cursor) return;
    const dr = this.deviceRegistry;
    const m = this.manager;
    const p = this.pool;
    const [registered, revoked, submitted, settled, voided, staked, slashed] = await Promise.all([
      this.logs((a, b) => dr.queryFilter(dr.filters.DeviceRegistered(), a, b), block),
      this.logs((a, b) => dr.queryFilter(dr.filters.DeviceRevoked(), a, b), block),
      this.logs((a, b) => m.queryFilter(m.filters.BatchSubmitted(), a, b), block),
      this.logs((a, b) => m.queryFilter(m.filters.BatchSettled(), a, b), block),
      this.logs((a, b) => m.queryFilter(m.filters.BatchVoided(), a, b), block),
      this.logs((a, b) => p.queryFilter(p.filters.Staked(), a, b), block),
      this.logs((a, b) => p.queryFilter(p.filters.Slashed(), a, b), block),
    ]);
    for (const l of registered) {
      const deviceId = deviceAddress(l.args.deviceId);
      this.devices.set(deviceId, {
        deviceId,
        projectId: l.args.projectId,
        index: Number(l.args.index),
        owner: l.args.owner,
        revoked: false,
      });
    }
    for (const l of revoked) {
      const d = this.devices.get(deviceAddress(l.args.deviceId));
      if (d !== undefined) d.revoked = true;
    }
    for (const l of submitted)
      this.batches.set(l.args.batchId, {
        batchId: l.args.batchId,
        projectId: l.args.projectId,
        sequence: l.args.sequence,
        messages: l.args.messageCount,
      });
    for (const l of settled) {
      const b = this.batches.get(l.args.batchId);
      if (b === undefined) continue;
      b.final = { status: "settled", prover: getAddress(l.args.prover) };
      b.settleTx = l.transactionHash;
      this.settledBy.set(b.final.prover, (this.settledBy.get(b.final.prover) ?? 0) + 1);
    }
    for (const l of voided) {
      const b = this.batches.get(l.args.batchId);
      if (b !== undefined) b.final = { status: "voided", prover: ZERO };
    }
    for (const l of staked) this.provers.add(getAddress(l.args.prover));
    for (const l of slashed) {
      const prover = getAddress(l.args.prover);
      this.provers.add(prover);
      const s = this.slashes.get(prover) ?? { count: 0, amount: 0n };
      this.slashes.set(prover, { count: s.count + 1, amount: s.amount + l.args.amount });
    }
    this.cursor = block;
  }

  /** Everything the page shows of the chain, as of `block`. */
  async snapshot(block: number): Promise<ChainSnapshot> {
    await this.scan(block);
    const at = { blockTag: block };
    const [header, projectCount, totalWeight, stakingToken, feeToken] = await Promise.all([
      this.provider.getBlock(block),
      this.projectRegistry.projectCount(at),
      this.pool.totalWeight(at),
      this.pool.asset(at).then((a) => this.token(a)),
      this.manager.feeToken(at).then((a) => this.token(a)),
    ]);

    const projects = await Promise.all(
      Array.from({ length: Number(projectCount) }, async (_, i): Promise<ProjectRow> => {
        const projectId = BigInt(i + 1);
        const [view, devices, state, pool] = await Promise.all([
          this.projectRegistry.project(projectId, at),
          this.deviceRegistry.deviceCount(projectId, at),
          this.manager.projectStateOf(projectId, at),
          this.rewards.poolOf(projectId, at),
        ]);
        return {
          projectId,
          name: view.name,
          owner: view.owner,
          sequencer: view.sequencer,
          paused: view.paused,
          devices,
          submitted: state.submitted,
          settledThrough: state.settledThrough,
          rewardRate: view.settings.rewardRate,
          proverFee: view.settings.proverFee,
          rewardToken: await this.token(pool.token),
          pool: { funded: pool.funded, owed: pool.owed, paid: pool.paid },
        };
      }),
    );

    const known = [...this.devices.values()].sort((a, b) =>
      a.projectId === b.projectId ? a.index - b.index : a.projectId < b.projectId ? -1 : 1,
    );
    const paid = await Promise.all(known.map((d) => this.rewards.paidOf(BigInt(d.deviceId), at)));
    const devices: DeviceRow[] = known.map((d, i) => ({
      deviceId: d.deviceId,
      projectId: d.projectId,
      index: d.index,
      owner: d.owner,
      status: d.revoked ? "revoked" : "active",
      paid: paid[i],
    }));

    // Open batches are read again at every block (reassigned, settled or voided since).
    const batches = await Promise.all(
      [...this.batches.values()]
        .sort((a, b) => (a.batchId < b.batchId ? 1 : -1))
        .map(async (b): Promise<BatchRow> => {
          let state = b.final;
          if (state === undefined) {
            const record = await this.manager.batchOf(b.batchId, at);
            state = { status: BATCH_STATUS[Number(record.status)], prover: record.prover };
          }
          if (b.settleTx !== undefined && b.gasUsed === undefined) {
            const receipt = await this.provider.getTransactionReceipt(b.settleTx);
            if (receipt !== null) b.gasUsed = receipt.gasUsed;
          }
          return {
            batchId: b.batchId,
            projectId: b.projectId,
            sequence: b.sequence,
            messages: b.messages,
            status: state.status,
            prover: state.prover,
            settleTx: b.settleTx,
            gasUsed: b.gasUsed,
          };
        }),
    );

    const provers = await Promise.all(
      [...this.provers].map(async (address): Promise<ProverRow> => {
        const [p, weight, earnings] = await Promise.all([
          this.pool.proverOf(address, at),
          this.pool.weightOf(address, at),
          this.manager.earningsOf(address, at),
        ]);
        const s = this.slashes.get(address);
        return {
          address,
          stake: p.stake,
          unbonding: p.unbonding,
          paused: p.paused,
          weight,
          settled: this.settledBy.get(address) ?? 0,
          fees: earnings.fees,
          slashes: s?.count ?? 0,
          slashed: s?.amount ?? 0n,
        };
      }),
    );
    provers.sort((a, b) =>
      a.stake === b.stake ? a.address.localeCompare(b.address) : a.stake > b.stake ? -1 : 1,
    );

    return {
      block,
      blockTime: header?.timestamp ?? 0,
      projects,
      devices,
      batches,
      provers,
      totalWeight,
      stakingToken,
      feeToken,
    };
  }
}
