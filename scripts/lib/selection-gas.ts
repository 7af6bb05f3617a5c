/**
 * Gas of stake-weighted prover selection (a Fenwick tree over prover slots), from receipts:
 * `selectProver(seed)` sent as a transaction at each pool size, execution gas (intrinsic
 * cost removed), the largest over several seeds. Used by `npm run gas:selection` and the bench.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { DEPLOYMENTS, TAGS } from "../../src/chain/deployments";
import { MockERC20__factory, ProverPool__factory } from "../../typechain-types";
import { executionGas } from "./gas";

const STAKE = 200n * 10n ** 18n;
const SEEDS = [1n, 2n, 3n, 4n, 5n].map((s) => s * 7919n);

/** Only on the in-process chain (it sets balances through `hardhat_setBalance`). */
export async function measureSelectionGas(
  hre: HardhatRuntimeEnvironment,
  sizes: number[],
  onProgress?: (provers: number) => void,
): Promise<Record<number, bigint>> {
  const { deployments, ethers } = hre;
  await deployments.fixture([TAGS.settlement]);
  const [funder] = await ethers.getSigners();
  const pool = ProverPool__factory.connect((await deployments.get(DEPLOYMENTS.proverPool)).address, funder);
  const token = MockERC20__factory.connect((await deployments.get(DEPLOYMENTS.stakingToken)).address, funder);
  const poolAddress = await pool.getAddress();
  const result: Record<number, bigint> = {};
  let count = 0;
  for (const size of [...sizes].sort((a, b) => a - b)) {
    while (count < size) {
      // Fixed gas limits skip estimation: staking 1,000 provers is 3,000 transactions.
      const w = new ethers.Wallet(ethers.hexlify(ethers.randomBytes(32)), ethers.provider);
      await ethers.provider.send("hardhat_setBalance", [w.address, "0x16345785D8A0000"]);
      await token.mint(w.address, STAKE, { gasLimit: 200_000 });
      await token.connect(w).approve(poolAddress, STAKE, { gasLimit: 100_000 });
      await pool.connect(w).stake(STAKE, { gasLimit: 1_000_000 });
      count++;
      if (count % 50 === 0) onProgress?.(count);
    }
    let max = 0n;
    for (const seed of SEEDS) {
      const gas = await executionGas(
        funder,
        poolAddress,
        pool.interface.encodeFunctionData("selectProver", [seed]),
      );
      if (gas > max) max = gas;
    }
    result[size] = max;
  }
  return result;
}
