// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {DeviceRegistry} from "../../registry/DeviceRegistry.sol";
import {IProjectRegistry} from "../../interfaces/IProjectRegistry.sol";
import {IERC6551Registry} from "../../interfaces/erc6551/IERC6551Registry.sol";

/// @title MutantDeviceRegistryRotationForks
/// @notice TEST ONLY, never deployed: a deliberately broken DeviceRegistry that the invariant suite
/// (ONE_ACTIVE_IOID_PER_DEVICE in test/invariants/identity-staking.invariants.test.ts) must catch. A key
/// rotation writes the new key to a fresh slot at the top of the project's tree instead of the device's
/// own slot, so the device has two live identities: the old key stays usable, and survives the revocation
/// of the ioID.
contract MutantDeviceRegistryRotationForks is DeviceRegistry {
    mapping(uint256 projectId => uint256 count) private _forks;
    mapping(uint256 projectId => mapping(uint256 index => bool)) private _keyed;

    constructor(
        IProjectRegistry projectRegistry_,
        uint8 stateDepth_
    ) DeviceRegistry(projectRegistry_, stateDepth_, IERC6551Registry(address(0)), address(0)) {}

    /// @dev The bug: a new key for a slot that already has one goes to a fresh slot.
    function _appendOp(uint256 projectId, uint256 index, uint256 keyHash) internal override {
        uint256 slot = index;
        if (keyHash != 0 && _keyed[projectId][index]) {
            slot = (uint256(1) << this.stateDepth()) - 1 - _forks[projectId]++;
        }
        _keyed[projectId][slot] = true;
        super._appendOp(projectId, slot, keyHash);
    }
}
