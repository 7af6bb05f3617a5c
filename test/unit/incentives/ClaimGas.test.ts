/**
 * Claim gas at the production state depth (20), pinned: `claim` stays under the v1 target
 * of 500k, and claimMany amortises the shared path (figures: `npm run gas:rewards`).
 */
import { expect } from "chai";
import hre from "hardhat";

import { measureClaimGas } from "../../../scripts/lib/reward-gas";
import { coverageRunning } from "../../helpers/coverage";

describe("claim gas at depth 20", function () {
  this.timeout(120_000);

  it("claim ≤ 500k; claimMany(8) per device under a third of a claim", async function () {
    const g = await measureClaimGas(hre, 20, [8]);
    console.log(
      `      claim ${g.claimFirst} (first), ${g.claimRepeat} (repeat); claimMany(8) ${g.claimManyPerDevice[8]} per device`,
    );
    if (coverageRunning()) return; // gas figures of instrumented code are not comparable
    expect(g.claimFirstNewHolder).to.be.lessThanOrEqual(500_000n);
    expect(g.claimFirst).to.be.lessThanOrEqual(500_000n);
    expect(g.claimRepeat).to.be.lessThan(g.claimFirst);
    expect(g.claimManyPerDevice[8] * 3n).to.be.lessThan(g.claimFirst);
  });
});
