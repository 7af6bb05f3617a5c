/** Typed clients of a DePIN Kit deployment (typechain, ethers v6). */
import type { ContractRunner } from "ethers";

import {
  DeviceRegistry__factory,
  ProjectRegistry__factory,
  type DeviceRegistry,
  type ProjectRegistry,
} from "../../typechain-types";
import type { KitAddresses } from "./deployments";

export interface Kit {
  projectRegistry: ProjectRegistry;
  deviceRegistry: DeviceRegistry;
  /** Where event scans start (the DeviceRegistry's deployment block; 0 if unknown). */
  fromBlock: number;
}

export function connectKit(addresses: KitAddresses, runner: ContractRunner): Kit {
  return {
    projectRegistry: ProjectRegistry__factory.connect(addresses.projectRegistry, runner),
    deviceRegistry: DeviceRegistry__factory.connect(addresses.deviceRegistry, runner),
    fromBlock: addresses.fromBlock ?? 0,
  };
}
