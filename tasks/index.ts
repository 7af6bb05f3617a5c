import "./toolchain";
