// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IDePINToken
/// @notice The kit's reference reward token: an ERC-20 with a capped supply, minting gated
/// by `MINTER_ROLE`, and an emission schedule that bounds what minters can mint over time
/// (a project mints what the schedule released and funds its reward pool with it).
///
/// Schedule: an optional premint at deployment, then `initialRate` tokens per second
/// from `emissionStart`, halving every `halvingInterval` seconds (never, when it is 0),
/// never beyond the cap.
interface IDePINToken is IERC20 {
    /// @notice Emitted when `minter` mints `amount` of released emission to `to`.
    event EmissionMinted(address indexed minter, address indexed to, uint256 amount);

    /// @notice Thrown when minting more than the schedule has released and not yet minted.
    error ExceedsEmission(uint256 requested, uint256 available);

    /// @notice Thrown for a schedule that can never emit (zero rate), a premint above the cap
    /// or a zero admin (nobody could ever grant the minter role).
    error InvalidSchedule();

    /// @notice Mints `amount` of released emission to `to`. `MINTER_ROLE` only.
    function mint(address to, uint256 amount) external;

    /// @notice Σ emission released by the schedule at `timestamp` (premint excluded).
    function released(uint256 timestamp) external view returns (uint256);

    /// @notice What minters can mint now: released and not yet minted.
    function mintable() external view returns (uint256);

    /// @notice Emission minted so far (premint excluded).
    function emissionMinted() external view returns (uint256);

    /// @notice When emission starts.
    function emissionStart() external view returns (uint64);

    /// @notice Tokens per second in the first emission period.
    function initialRate() external view returns (uint256);

    /// @notice Seconds between halvings of the rate (0: a constant rate).
    function halvingInterval() external view returns (uint64);
}
