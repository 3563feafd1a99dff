/** The addresses the offline plan pretends the world assigned. */
import { parseCidr, formatIpv4 } from "../../config/cidr";
import { planNodes, StackConfig } from "../../config/model";

/**
 * VM name → IP. SSH hosts keep their configured address; Multipass VMs get `subnet + 10 × id + i`,
 * which reproduces seed 001 §6.2 (mgmt .10/.11, app1 .20/.21, app2 .30/.31).
 */
export function simulatedIps(config: StackConfig): Record<string, string> {
    const subnet = parseCidr(config.network.nodeSubnet);
    const base = subnet.ok ? subnet.cidr.first : 0;
    return Object.fromEntries(planNodes(config).map((node, i) => [node.name, node.host?.address ?? formatIpv4(base + 10 * config.id + i)]));
}
