/**
 * Gas of stake-weighted prover selection at 10 and 1,000 provers (a Fenwick tree: the same
 * O(log capacity) reads either way), from `ProverPool.selectProver` gas estimates:
 *   npx hardhat run scripts/gas-selection.ts
 */
import hre from "hardhat";

import { DEPLOYMENTS, TAGS } from "../src/chain/deployments";
import { MockERC20__factory, ProverPool__factory } from "../typechain-types";

const STAKE = 200n * 10n ** 18n;
const SIZES = [10, 1000];

async function main() {
  const { deployments, ethers } = hre;
  await deployments.fixture([TAGS.settlement]);
  const [funder] = await ethers.getSigners();
  const pool = ProverPool__factory.connect((await deployments.get(DEPLOYMENTS.proverPool)).address, funder);
  const token = MockERC20__factory.connect((await deployments.get(DEPLOYMENTS.stakingToken)).address, funder);
  let count = 0;
  for (const size of SIZES) {
    while (count < size) {
      const w = ethers.Wallet.createRandom().connect(ethers.provider);
      await funder.sendTransaction({ to: w.address, value: 10n ** 17n });
      await token.mint(w.address, STAKE);
      await token.connect(w).approve(await pool.getAddress(), STAKE);
      await pool.connect(w).stake(STAKE);
      count++;
    }
    const samples = await Promise.all(
      [1n, 2n, 3n, 4n, 5n].map((s) => pool.selectProver.estimateGas(s * 7919n)),
    );
    const max = samples.reduce((a, b) => (a > b ? a : b));
    console.log(
      `selectProver at ${size} provers: ${max} gas (estimate, 21,000 intrinsic included; ${max - 21000n} execution)`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
