// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PoseidonT3 as BaselinePoseidonT3} from "poseidon-solidity/PoseidonT3.sol";
import {PoseidonT4 as BaselinePoseidonT4} from "poseidon-solidity/PoseidonT4.sol";
import {PoseidonT5 as BaselinePoseidonT5} from "poseidon-solidity/PoseidonT5.sol";

import {PoseidonT3} from "../libraries/poseidon/PoseidonT3.sol";
import {PoseidonT4} from "../libraries/poseidon/PoseidonT4.sol";
import {PoseidonT5} from "../libraries/poseidon/PoseidonT5.sol";

/// @notice Test helper: calls the kit's Poseidon libraries, and poseidon-solidity's T3,
/// T4 and T5 as baselines, and reports the gas of each call.
contract PoseidonHarness {
    function hashT3(uint256[2] calldata inputs) external view returns (uint256 h, uint256 gasUsed) {
        uint256 before = gasleft();
        h = PoseidonT3.hash(inputs);
        gasUsed = before - gasleft();
    }

    function baselineHashT3(uint256[2] calldata inputs) external view returns (uint256 h, uint256 gasUsed) {
        uint256 before = gasleft();
        h = BaselinePoseidonT3.hash(inputs);
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

    function hashT5(uint256[4] calldata inputs) external view returns (uint256 h, uint256 gasUsed) {
        uint256 before = gasleft();
        h = PoseidonT5.hash(inputs);
        gasUsed = before - gasleft();
    }

    function baselineHashT5(uint256[4] calldata inputs) external view returns (uint256 h, uint256 gasUsed) {
        uint256 before = gasleft();
        h = BaselinePoseidonT5.hash(inputs);
        gasUsed = before - gasleft();
    }
}
