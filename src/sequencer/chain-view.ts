/**
 * The sequencer's view of the chain for its projects, kept from events: devices (project,
 * index, current key, status), every registry op (to know a device's key as of any op),
 * each project's settings and domain. Synced by polling; everything here is public data.
 * When the last block read changes its hash (a reorganization), the view is read again
 * from `fromBlock`.
 */
import type { BatchManager, DeviceRegistry, ProjectRegistry } from "../../typechain-types";
import { keyHash as computeKeyHash } from "../crypto/registry";

export interface DeviceView {
  deviceId: bigint;
  projectId: bigint;
  index: number;
  ax: bigint;
  ay: bigint;
  keyHash: bigint;
  revoked: boolean;
}

export interface ProjectView {
  projectId: bigint;
  domain: bigint;
  minInterval: bigint;
  maxUnits: bigint;
  /** How many registry ops the project has. */
  opCount: number;
  /** Per leaf index, its ops in order: (op number, key hash). */
  opsByIndex: Map<number, { n: number; keyHash: bigint }[]>;
}

export interface ChainContracts {
  deviceRegistry: DeviceRegistry;
  projectRegistry: ProjectRegistry;
  manager: BatchManager;
}

export class ChainView {
  readonly devices = new Map<bigint, DeviceView>();
  readonly projects = new Map<bigint, ProjectView>();
  private nextBlock: number;

  /** The last block read, to notice a reorganization (its hash changed). */
  private lastSynced?: { number: number; hash: string };

  constructor(
    readonly contracts: ChainContracts,
    readonly projectIds: bigint[],
    readonly fromBlock = 0,
  ) {
    this.nextBlock = fromBlock;
  }

  private syncing?: Promise<number>;

  /**
   * Reads new events up to the latest block, and the projects' current settings. Calls
   * made while one runs share it (no range is read twice).
   */
  sync(): Promise<number> {
    this.syncing ??= this.doSync().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async doSync(): Promise<number> {
    const { deviceRegistry, projectRegistry, manager } = this.contracts;
    const provider = deviceRegistry.runner!.provider!;
    // A reorganization replaced the last block read: events read may be gone and blocks
    // below `nextBlock` may hold new ones. Read everything again into a fresh view, then
    // swap it in at once (no await in between: requests never see a half-built view).
    if (this.lastSynced) {
      const block = await provider.getBlock(this.lastSynced.number);
      if (block?.hash !== this.lastSynced.hash) {
        const fresh = new ChainView(this.contracts, this.projectIds, this.fromBlock);
        const latest = await fresh.doSync();
        this.devices.clear();
        for (const [k, v] of fresh.devices) this.devices.set(k, v);
        this.projects.clear();
        for (const [k, v] of fresh.projects) this.projects.set(k, v);
        this.nextBlock = fresh.nextBlock;
        this.lastSynced = fresh.lastSynced;
        return latest;
      }
    }
    const latest = await provider.getBlockNumber();
    const head = await provider.getBlock(latest);
    for (const projectId of this.projectIds) {
      const settings = await projectRegistry.settingsOf(projectId);
      const known = this.projects.get(projectId);
      this.projects.set(projectId, {
        projectId,
        domain: known?.domain ?? (await manager.domainOf(projectId)),
        minInterval: settings.minInterval,
        maxUnits: settings.maxUnits,
        opCount: known?.opCount ?? 0,
        opsByIndex: known?.opsByIndex ?? new Map(),
      });
    }
    if (latest < this.nextBlock) return latest;
    const from = this.nextBlock;
    const logs = [];
    for (const projectId of this.projectIds) {
      logs.push(
        ...(await deviceRegistry.queryFilter(
          deviceRegistry.filters.DeviceRegistered(undefined, projectId),
          from,
          latest,
        )),
        ...(await deviceRegistry.queryFilter(
          deviceRegistry.filters.RegistryOpAppended(projectId),
          from,
          latest,
        )),
      );
    }
    logs.push(
      ...(await deviceRegistry.queryFilter(deviceRegistry.filters.DeviceKeyRotated(), from, latest)),
      ...(await deviceRegistry.queryFilter(deviceRegistry.filters.DeviceRevoked(), from, latest)),
    );
    logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    for (const log of logs) {
      const parsed = deviceRegistry.interface.parseLog(log);
      if (parsed === null) continue;
      const a = parsed.args;
      switch (parsed.name) {
        case "DeviceRegistered":
          this.devices.set(a.deviceId, {
            deviceId: a.deviceId,
            projectId: a.projectId,
            index: Number(a.index),
            ax: a.ax,
            ay: a.ay,
            keyHash: a.keyHash,
            revoked: false,
          });
          break;
        case "DeviceKeyRotated": {
          const d = this.devices.get(a.deviceId);
          if (d) Object.assign(d, { ax: a.ax, ay: a.ay, keyHash: a.keyHash });
          break;
        }
        case "DeviceRevoked": {
          const d = this.devices.get(a.deviceId);
          if (d) d.revoked = true;
          break;
        }
        case "RegistryOpAppended": {
          const p = this.projects.get(a.projectId)!;
          const n = Number(a.opNumber);
          const index = Number(a.index);
          p.opsByIndex.set(index, [...(p.opsByIndex.get(index) ?? []), { n, keyHash: a.keyHash }]);
          p.opCount = Math.max(p.opCount, n);
          break;
        }
      }
    }
    this.nextBlock = latest + 1;
    if (head?.hash) this.lastSynced = { number: latest, hash: head.hash };
    return latest;
  }

  /**
   * Whether a message signed with key (ax, ay) by the device at `index` can go into a
   * batch whose ops end at `opsTo`: "yes" when the leaf's key hash after those ops is that
   * key's, "later" when a later op (already on chain) brings that key, "never" otherwise
   * (the device was re-keyed or revoked).
   */
  eligibility(
    projectId: bigint,
    deviceId: bigint,
    index: number,
    ax: bigint,
    ay: bigint,
    opsTo: number,
  ): "yes" | "later" | "never" {
    const ops = this.projects.get(projectId)?.opsByIndex.get(index) ?? [];
    const wanted = computeKeyHash(deviceId, ax, ay);
    let at: bigint | undefined;
    for (const op of ops) if (op.n <= opsTo) at = op.keyHash;
    if (at === wanted) return "yes";
    return ops.some((op) => op.n > opsTo && op.keyHash === wanted) ? "later" : "never";
  }

  opCount(projectId: bigint): number {
    return this.projects.get(projectId)?.opCount ?? 0;
  }
}
