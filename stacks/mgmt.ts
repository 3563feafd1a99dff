/** The mgmt stack: the platform cluster. */
import { LoadedConfig } from "../config/load";
import { buildCluster, ClusterOutputs } from "./cluster";

/** Everything `pulumi stack output` shows for mgmt. */
export type MgmtOutputs = ClusterOutputs;

export function mgmtStack(loaded: LoadedConfig): MgmtOutputs {
    const { outputs } = buildCluster(loaded);
    return outputs;
}
