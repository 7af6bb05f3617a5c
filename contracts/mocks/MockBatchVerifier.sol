// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BATCH_PUBLIC_SIGNALS, IBatchVerifier, ProofSystem} from "../interfaces/IBatchVerifier.sol";

/// @notice Test double: a verifier of a chosen system that answers a chosen result. A proof
/// whose first byte is `REFUSE` is refused whatever the result, so that one registered mock
/// can both accept and refuse.
contract MockBatchVerifier is IBatchVerifier {
    bytes1 public constant REFUSE = 0xff;

    ProofSystem private immutable _system;
    bool private _result;

    constructor(ProofSystem system_, bool result_) {
        _system = system_;
        _result = result_;
    }

    function setResult(bool result_) external {
        _result = result_;
    }

    function proofSystem() external view returns (ProofSystem) {
        return _system;
    }

    function verify(
        uint256[BATCH_PUBLIC_SIGNALS] calldata,
        bytes calldata proof
    ) external view returns (bool) {
        return _result && (proof.length == 0 || proof[0] != REFUSE);
    }
}
