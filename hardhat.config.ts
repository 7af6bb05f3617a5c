import "@nomicfoundation/hardhat-toolbox";
import "hardhat-deploy";
import { HardhatUserConfig, vars } from "hardhat/config";

import { SOLC_VERSION } from "./tasks/toolchain";
import "./tasks";

/**
 * Keys for live networks come from the environment or from Hardhat's vars
 * (`npx hardhat vars set DEPLOYER_PRIVATE_KEY`), never from a committed file. Without one,
 * a task that must sign stops with one line saying so.
 */
function networkAccounts(): string[] {
  const key = process.env.DEPLOYER_PRIVATE_KEY || vars.get("DEPLOYER_PRIVATE_KEY", "");
  return key === "" ? [] : [key];
}

/** Chain ids of the IoTeX networks this kit deploys to. */
export const IOTEX_TESTNET_CHAIN_ID = 4690;
export const IOTEX_MAINNET_CHAIN_ID = 4689;

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      evmVersion: "cancun",
    },
  },
  defaultNetwork: "hardhat",
  networks: {
    hardhat: {
      // DEPIN_HARDHAT_CHAIN_ID lets a local node pretend to be another chain (tests of the
      // IoTeX deployment run against a node answering as chain 4690).
      chainId: Number(process.env.DEPIN_HARDHAT_CHAIN_ID ?? 31337),
      // A fork of an IoTeX network (deploy:plan) runs every block under these rules.
      chains: {
        [IOTEX_TESTNET_CHAIN_ID]: { hardforkHistory: { cancun: 0 } },
        [IOTEX_MAINNET_CHAIN_ID]: { hardforkHistory: { cancun: 0 } },
      },
      // The reference `DeviceRegistry` with its linked Poseidon library is under the
      // 24 KiB limit; this only matters for mocks that embed large fixtures.
      allowUnlimitedContractSize: false,
    },
    localhost: { url: "http://127.0.0.1:8545", chainId: 31337 },
    iotexTestnet: {
      url: process.env.IOTEX_TESTNET_RPC ?? "https://babel-api.testnet.iotex.io",
      chainId: IOTEX_TESTNET_CHAIN_ID,
      accounts: networkAccounts(),
    },
    iotex: {
      url: process.env.IOTEX_MAINNET_RPC ?? "https://babel-api.mainnet.iotex.io",
      chainId: IOTEX_MAINNET_CHAIN_ID,
      accounts: networkAccounts(),
    },
  },
  // Contract verification on IoTeXScan (`npx hardhat verify --network iotexTestnet ADDRESS`,
  // or `deploy:verify` for the whole deployment): hardhat-verify's custom chains.
  etherscan: {
    apiKey: {
      iotexTestnet: process.env.IOTEXSCAN_API_KEY ?? "iotexscan",
      iotex: process.env.IOTEXSCAN_API_KEY ?? "iotexscan",
    },
    customChains: [
      {
        network: "iotexTestnet",
        chainId: IOTEX_TESTNET_CHAIN_ID,
        urls: {
          apiURL: process.env.IOTEXSCAN_TESTNET_API ?? "https://testnet.iotexscout.io/api",
          browserURL: "https://testnet.iotexscan.io",
        },
      },
      {
        network: "iotex",
        chainId: IOTEX_MAINNET_CHAIN_ID,
        urls: {
          apiURL: process.env.IOTEXSCAN_MAINNET_API ?? "https://iotexscout.io/api",
          browserURL: "https://iotexscan.io",
        },
      },
    ],
  },
  sourcify: { enabled: false },
  namedAccounts: {
    // deploy:plan's fork impersonates the live network's deployer (DEPIN_FORK_DEPLOYER).
    deployer: { default: process.env.DEPIN_FORK_DEPLOYER || 0 },
  },
  paths: {
    sources: "contracts",
    tests: "test",
    deploy: "deploy",
    // deploy:plan's fork keeps its records in a scratch directory (DEPIN_DEPLOYMENTS_DIR).
    deployments: process.env.DEPIN_DEPLOYMENTS_DIR || "deployments",
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    offline: true,
    currency: "USD",
    reportFormat: "terminal",
    outputFile: process.env.GAS_REPORT_FILE,
    noColors: process.env.GAS_REPORT_FILE !== undefined,
    excludeContracts: ["mocks/"],
  },
  mocha: {
    timeout: 120_000,
  },
};

export default config;
