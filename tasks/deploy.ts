import { task } from "hardhat/config";

import { kitAction } from "./lib/action";

// hardhat-deploy's `deploy` task, with a one-line error when the network has no key.
task("deploy").setAction(
  kitAction("deploy", async (args, hre, runSuper) => {
    const { requireSigner } = await import("../src/chain/hardhat");
    await requireSigner(hre);
    return runSuper(args);
  }),
);
