// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PoseidonT4 as BaselinePoseidonT4} from "poseidon-solidity/PoseidonT4.sol";

import {PoseidonT3} from "../libraries/poseidon/PoseidonT3.sol";
import {PoseidonT4} from "../libraries/poseidon/PoseidonT4.sol";

/// @notice Test helper: calls the kit's Poseidon libraries, and poseidon-solidity's T4 as
/// the baseline, and reports the gas of each call.
contract PoseidonHarness {
    function hashT3(uint256[2] calldata inputs) external view returns (uint256 h, uint256 gasUsed) {
        uint256 before = gasleft();
        h = PoseidonT3.hash(inputs);
        gasUsed = before - gasleft();
    }

    function hashT4(uint256[3] calldata inputs) external view returns (uint256 h, uint256 gasUsed) {
        uint256 before = gasleft();
        h = PoseidonT4.hash(inputs);
        gasUsed = before - gasleft();
    }

    function baselineHashT4(uint256[3] calldata inputs) external view returns (uint256 h, uint256 gasUsed) {
        uint256 before = gasleft();
        h = BaselinePoseidonT4.hash(inputs);
        gasUsed = before - gasleft();
    }
}
