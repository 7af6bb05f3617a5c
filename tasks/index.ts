import "./toolchain";
import "./deploy";
import "./project";
import "./device";
import "./prover";
import "./rewards";
import "./services";
import "./iotex";
