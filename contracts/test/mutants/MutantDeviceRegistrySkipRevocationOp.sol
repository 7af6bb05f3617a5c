// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {DeviceRegistry} from "../../registry/DeviceRegistry.sol";
import {IProjectRegistry} from "../../interfaces/IProjectRegistry.sol";
import {IERC6551Registry} from "../../interfaces/erc6551/IERC6551Registry.sol";

/// @title MutantDeviceRegistrySkipRevocationOp
/// @notice TEST ONLY, never deployed: a deliberately broken DeviceRegistry that the invariant suite
/// (OP_CHAIN_MATCHES_EVENTS in test/invariants/identity-staking.invariants.test.ts) must catch. A
/// revocation emits `DeviceRevoked` but never reaches the op chain, so the revoked key would stay in the
/// project's state tree.
contract MutantDeviceRegistrySkipRevocationOp is DeviceRegistry {
    constructor(
        IProjectRegistry projectRegistry_,
        uint8 stateDepth_
    ) DeviceRegistry(projectRegistry_, stateDepth_, IERC6551Registry(address(0)), address(0)) {}

    /// @dev The bug: ops with key hash 0 (revocations) are dropped.
    function _appendOp(uint256 projectId, uint256 index, uint256 keyHash) internal override {
        if (keyHash != 0) super._appendOp(projectId, index, keyHash);
    }
}
